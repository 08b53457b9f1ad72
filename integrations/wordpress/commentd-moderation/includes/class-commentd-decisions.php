<?php
/**
 * Moderation done in WordPress's own admin, sent back to commentd.
 *
 * @package Commentd_Moderation
 */

defined( 'ABSPATH' ) || exit;

/**
 * Watches WordPress's comment status changes on the comments commentd knows
 * (those with its id) and applies them in commentd with ModerateComments:
 * approved → APPROVE, spam → MARK_SPAM, trash → REJECT, deleted for good →
 * DELETE. Back to pending has no action in commentd and is not sent. The
 * decisions of one request go in one call per action at shutdown, so a bulk
 * action is one batch; when commentd cannot take them they wait in an option
 * and WP-Cron sends them again, in order.
 */
class Commentd_Decisions {

	/**
	 * The option that holds the decisions waiting for commentd.
	 */
	const OUTBOX_OPTION = 'commentd_moderation_outbox';

	/**
	 * The WP-Cron hook that sends the waiting decisions again.
	 */
	const RETRY_HOOK = 'commentd_moderation_send_decisions';

	/**
	 * A batch is dropped after this many attempts (about four days).
	 */
	const MAX_ATTEMPTS = 20;

	/**
	 * ModerateComments takes at most this many ids at once.
	 */
	const BATCH = 500;

	/**
	 * WordPress's new status → commentd's action.
	 */
	const ACTIONS = array(
		'approved' => 'MODERATION_ACTION_APPROVE',
		'spam'     => 'MODERATION_ACTION_MARK_SPAM',
		'trash'    => 'MODERATION_ACTION_REJECT',
	);

	/**
	 * Commentd's status after each action, as the plugin records it.
	 */
	const STATUSES = array(
		'MODERATION_ACTION_APPROVE'   => 'published',
		'MODERATION_ACTION_MARK_SPAM' => 'spam',
		'MODERATION_ACTION_REJECT'    => 'rejected',
		'MODERATION_ACTION_DELETE'    => 'deleted',
	);

	/**
	 * Above zero while the plugin applies commentd's own decision: that change
	 * came from commentd and is not sent back.
	 *
	 * @var int
	 */
	public static $applying = 0;

	/**
	 * The settings.
	 *
	 * @var Commentd_Config
	 */
	private $config;

	/**
	 * The client.
	 *
	 * @var Commentd_Client
	 */
	private $client;

	/**
	 * This request's decisions: commentd id → array{action, note, wp}. A
	 * later decision on the same comment replaces an earlier one.
	 *
	 * @var array
	 */
	private $pending = array();

	/**
	 * Creates the part.
	 *
	 * @param Commentd_Config $config The settings.
	 * @param Commentd_Client $client The client.
	 */
	public function __construct( Commentd_Config $config, Commentd_Client $client ) {
		$this->config = $config;
		$this->client = $client;
	}

	/**
	 * Hooks into WordPress.
	 *
	 * @return void
	 */
	public function register() {
		add_action( 'transition_comment_status', array( $this, 'transition' ), 10, 3 );
		// Before WordPress deletes the comment's meta, commentd's id with it.
		add_action( 'delete_comment', array( $this, 'deleted' ), 10, 2 );
		add_action( 'shutdown', array( $this, 'send' ) );
		add_action( self::RETRY_HOOK, array( $this, 'retry' ) );
	}

	/**
	 * Records a status change made in WordPress.
	 *
	 * @param string     $new_status approved, unapproved, spam, trash or delete.
	 * @param string     $old_status The status before.
	 * @param WP_Comment $comment    The comment.
	 * @return void
	 */
	public function transition( $new_status, $old_status, $comment ) {
		if ( isset( self::ACTIONS[ $new_status ] ) && $comment instanceof WP_Comment ) {
			$this->record( (int) $comment->comment_ID, self::ACTIONS[ $new_status ] );
		}
	}

	/**
	 * Records a comment deleted for good in WordPress.
	 *
	 * @param int|string $comment_id The comment.
	 * @return void
	 */
	public function deleted( $comment_id ) {
		$this->record( (int) $comment_id, 'MODERATION_ACTION_DELETE' );
	}

	/**
	 * Keeps a decision for the request's end, when the comment is one of
	 * commentd's and the change is WordPress's own.
	 *
	 * @param int    $comment_id The comment.
	 * @param string $action     A ModerationAction name.
	 * @return void
	 */
	private function record( $comment_id, $action ) {
		if ( self::$applying > 0 || ! $this->config->is_configured() || '' === $this->config->get( 'moderator_token' ) ) {
			return;
		}
		$id = (string) get_comment_meta( $comment_id, Commentd_Submission::META_ID, true );
		if ( '' === $id ) {
			return;
		}
		$user = wp_get_current_user();
		$note = 'WordPress' . ( $user->exists() ? ': ' . $user->display_name : '' );
		unset( $this->pending[ $id ] );
		$this->pending[ $id ] = array(
			'action' => $action,
			'note'   => $note,
			'wp'     => $comment_id,
		);
	}

	/**
	 * Sends this request's decisions at shutdown, one call per action and
	 * note, after any that are still waiting.
	 *
	 * @return void
	 */
	public function send() {
		if ( ! $this->pending ) {
			return;
		}
		$groups = array();
		foreach ( $this->pending as $id => $d ) {
			$groups[ $d['action'] . "\x1f" . $d['note'] ][ $id ] = $d;
		}
		$batches = array();
		foreach ( $groups as $group ) {
			foreach ( array_chunk( $group, self::BATCH, true ) as $chunk ) {
				$first     = reset( $chunk );
				$batches[] = array(
					'ids'      => array_map( 'strval', array_keys( $chunk ) ),
					'wp'       => array_column( $chunk, 'wp' ),
					'action'   => $first['action'],
					'note'     => $first['note'],
					'attempts' => 0,
				);
			}
		}
		$this->pending = array();
		$outbox        = self::outbox();
		$waiting       = count( $outbox );
		$outbox        = array_merge( $outbox, $batches );
		if ( $waiting > 0 ) {
			// Decisions already wait: these go after them, in order.
			self::save( $outbox );
			if ( ! wp_next_scheduled( self::RETRY_HOOK ) ) {
				wp_schedule_single_event( time() + 60, self::RETRY_HOOK );
			}
			return;
		}
		$this->flush( $outbox );
	}

	/**
	 * Sends the waiting decisions again (WP-Cron).
	 *
	 * @return void
	 */
	public function retry() {
		$outbox = self::outbox();
		if ( $outbox ) {
			$this->flush( $outbox );
		}
	}

	/**
	 * Sends batches in order until one fails in a way worth retrying; keeps
	 * that one and the rest, and schedules the next try with backoff.
	 *
	 * @param array $outbox The batches.
	 * @return void
	 */
	private function flush( array $outbox ) {
		while ( $outbox ) {
			$batch  = $outbox[0];
			$result = $this->client->moderate( $batch['ids'], $batch['action'], $batch['note'] );
			if ( $result instanceof Commentd_Answer ) {
				$this->config->record_error( $result->message );
				++$outbox[0]['attempts'];
				if ( $result->retryable && $outbox[0]['attempts'] < self::MAX_ATTEMPTS ) {
					self::save( $outbox );
					wp_clear_scheduled_hook( self::RETRY_HOOK );
					wp_schedule_single_event( time() + Commentd_Submission::backoff( $outbox[0]['attempts'] - 1 ), self::RETRY_HOOK );
					return;
				}
				array_shift( $outbox );
				continue;
			}
			self::record_results( $batch, $result );
			array_shift( $outbox );
		}
		self::save( array() );
	}

	/**
	 * Records commentd's status on each comment it took the decision for.
	 *
	 * @param array $batch   The batch sent.
	 * @param array $results The ModerationResults.
	 * @return void
	 */
	private function record_results( array $batch, array $results ) {
		$wp = array_combine( $batch['ids'], $batch['wp'] );
		foreach ( $results as $r ) {
			$id = is_array( $r ) && isset( $r['id'] ) && is_string( $r['id'] ) ? $r['id'] : '';
			if ( ! isset( $wp[ $id ] ) ) {
				continue;
			}
			if ( ! empty( $r['code'] ) ) {
				// Not found, or not allowed from its status: retrying cannot help.
				$this->config->record_error( sprintf( 'commentd did not apply %s to %s: %s', $batch['action'], $id, (string) ( $r['message'] ?? '' ) ) );
				continue;
			}
			if ( 'MODERATION_ACTION_DELETE' !== $batch['action'] ) {
				update_comment_meta( $wp[ $id ], Commentd_Submission::META_STATUS, self::STATUSES[ $batch['action'] ] );
			}
		}
	}

	/**
	 * The batches waiting for commentd.
	 *
	 * @return array
	 */
	public static function outbox() {
		$outbox = get_option( self::OUTBOX_OPTION, array() );
		return is_array( $outbox ) ? array_values( $outbox ) : array();
	}

	/**
	 * How many decisions wait for commentd.
	 *
	 * @return int
	 */
	public static function waiting() {
		$n = 0;
		foreach ( self::outbox() as $batch ) {
			$n += count( (array) ( $batch['ids'] ?? array() ) );
		}
		return $n;
	}

	/**
	 * Stores the waiting batches.
	 *
	 * @param array $outbox The batches.
	 * @return void
	 */
	private static function save( array $outbox ) {
		if ( $outbox ) {
			update_option( self::OUTBOX_OPTION, $outbox, false );
		} else {
			delete_option( self::OUTBOX_OPTION );
		}
	}
}
