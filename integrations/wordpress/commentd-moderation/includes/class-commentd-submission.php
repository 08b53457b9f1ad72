<?php
/**
 * Asking commentd about every new comment.
 *
 * @package Commentd_Moderation
 */

defined( 'ABSPATH' ) || exit;

/**
 * Sends each new comment to commentd before WordPress stores it and files it
 * under WordPress's own status from commentd's answer: published → approved,
 * held → pending, spam → spam. WordPress stays the system of record for
 * display. When commentd cannot answer, the comment is held, never lost, and
 * sent again from WP-Cron so it reaches commentd's queue.
 */
class Commentd_Submission {

	/**
	 * Commentd's id of the comment.
	 */
	const META_ID = '_commentd_id';

	/**
	 * The idempotency key the comment was sent with.
	 */
	const META_REQUEST_ID = '_commentd_request_id';

	/**
	 * Commentd's status as last heard: published, pending, spam, rejected,
	 * deleted, or unanswered when commentd has not answered yet.
	 */
	const META_STATUS = '_commentd_status';

	/**
	 * The rules behind commentd's decision, comma-separated.
	 */
	const META_RULES = '_commentd_rules';

	/**
	 * Why commentd has not answered, while it has not.
	 */
	const META_ERROR = '_commentd_error';

	/**
	 * The request to send again (JSON), while commentd has not answered.
	 */
	const META_RETRY = '_commentd_retry';

	/**
	 * How many times the request was sent again.
	 */
	const META_ATTEMPTS = '_commentd_attempts';

	/**
	 * The last moderator decision applied from a webhook.
	 */
	const META_EVENT = '_commentd_event';

	/**
	 * The WP-Cron hook that sends a held comment again.
	 */
	const RETRY_HOOK = 'commentd_moderation_retry';

	/**
	 * Sending again stops after this many attempts (about four days).
	 */
	const MAX_ATTEMPTS = 20;

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
	 * The comment as WordPress received it, before its own sanitizing filters
	 * ran: its post_id and the request built from it.
	 *
	 * @var array|null
	 */
	private $captured = null;

	/**
	 * The last decision, until WordPress inserts the comment it was about.
	 *
	 * @var array|null
	 */
	private $decided = null;

	/**
	 * Answers by request id: WordPress runs its checks twice when an insert
	 * fails, and commentd is asked once.
	 *
	 * @var Commentd_Answer[]
	 */
	private $answers = array();

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
		add_filter( 'preprocess_comment', array( $this, 'capture_slashed' ), 1 );
		add_filter( 'rest_preprocess_comment', array( $this, 'capture_unslashed' ), 1 );
		add_filter( 'pre_comment_approved', array( $this, 'decide' ), 99, 2 );
		add_action( 'wp_insert_comment', array( $this, 'remember' ), 10, 2 );
		add_action( self::RETRY_HOOK, array( $this, 'retry' ) );
		add_filter( 'wp_anonymize_comment', array( $this, 'forget_request' ), 10, 2 );
		if ( $this->config->is_configured() ) {
			// Commentd's rate limits replace WordPress's flood check, which
			// would otherwise refuse first and with a fixed interval.
			remove_action( 'check_comment_flood', 'check_comment_flood_db' );
		}
	}

	/**
	 * Captures a comment from wp_new_comment(), whose data is slashed.
	 *
	 * @param array $commentdata The comment.
	 * @return array The comment, unchanged.
	 */
	public function capture_slashed( $commentdata ) {
		if ( is_array( $commentdata ) ) {
			$this->capture( wp_unslash( $commentdata ) );
		}
		return $commentdata;
	}

	/**
	 * Captures a comment from the REST API, whose data is not slashed.
	 *
	 * @param array|WP_Error $prepared The comment.
	 * @return array|WP_Error The comment, unchanged.
	 */
	public function capture_unslashed( $prepared ) {
		if ( is_array( $prepared ) ) {
			$this->capture( $prepared );
		}
		return $prepared;
	}

	/**
	 * Keeps the request for the comment WordPress is about to decide.
	 *
	 * @param array $c The comment's fields, unslashed.
	 * @return void
	 */
	private function capture( array $c ) {
		$this->captured = array(
			'post_id' => (int) ( $c['comment_post_ID'] ?? 0 ),
			'request' => $this->build_request( $c ),
		);
	}

	/**
	 * Builds a SubmitCommentRequest from a comment as WordPress received it:
	 * the reader's name, email, URL, text and IP go to commentd unchanged.
	 *
	 * @param array $c The comment's fields, unslashed.
	 * @return array
	 */
	public function build_request( array $c ) {
		$post_id = (int) ( $c['comment_post_ID'] ?? 0 );
		$parent  = (int) ( $c['comment_parent'] ?? 0 );
		$author  = array(
			'name'  => (string) ( $c['comment_author'] ?? '' ),
			'email' => (string) ( $c['comment_author_email'] ?? '' ),
		);
		$url     = (string) ( $c['comment_author_url'] ?? '' );
		if ( '' !== $url ) {
			$author['url'] = $url;
		}
		$user_id = (int) ( $c['user_id'] ?? ( $c['user_ID'] ?? 0 ) );
		if ( $user_id > 0 ) {
			// A signed-in reader: WordPress has verified who they are.
			$author['userId'] = (string) $user_id;
		}
		$client = array();
		$ip     = (string) ( $c['comment_author_IP'] ?? ( isset( $_SERVER['REMOTE_ADDR'] ) ? wp_unslash( $_SERVER['REMOTE_ADDR'] ) : '' ) ); // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized -- sent as received; commentd validates it.
		if ( '' !== $ip ) {
			$client['ip'] = $ip;
		}
		$agent = (string) ( $c['comment_agent'] ?? '' );
		if ( '' !== $agent ) {
			$client['userAgent'] = self::truncate_bytes( $agent, 512 );
		}
		$referrer = isset( $_SERVER['HTTP_REFERER'] ) ? (string) wp_unslash( $_SERVER['HTTP_REFERER'] ) : ''; // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized -- sent as received; commentd validates it.
		if ( '' !== $referrer && strlen( $referrer ) <= 2048 ) {
			$client['referrer'] = $referrer;
		}
		$content = (string) ( $c['comment_content'] ?? '' );
		$date    = (string) ( $c['comment_date_gmt'] ?? '' );
		if ( '' === $date || '0000-00-00 00:00:00' === $date ) {
			$date = gmdate( 'Y-m-d H:i:s' );
		}

		/**
		 * Filters the article id commentd files a post's comments under.
		 *
		 * @param string $article_id The post's id.
		 * @param int    $post_id    The post.
		 */
		$article = (string) apply_filters( 'commentd_moderation_article_id', (string) $post_id, $post_id );

		$request = array(
			'articleId' => $article,
			'author'    => $author,
			'body'      => $content,
			'requestId' => self::request_id( array( home_url( '/' ), $post_id, $parent, $author['name'], $author['email'], $url, $content, $date ) ),
		);
		if ( $client ) {
			$request['client'] = $client;
		}
		$parent_id = $parent > 0 ? self::commentd_parent( $parent ) : '';
		if ( '' !== $parent_id ) {
			$request['parentId'] = $parent_id;
		}
		return $request;
	}

	/**
	 * The request id of a comment: derived from the site, the post, the
	 * reader's fields and the second it was sent, so a retry of the same
	 * comment is answered with commentd's first answer and stored once.
	 *
	 * @param array $parts What identifies the comment.
	 * @return string
	 */
	public static function request_id( array $parts ) {
		return 'wp-' . substr( hash( 'sha256', implode( "\x1f", array_map( 'strval', $parts ) ) ), 0, 40 );
	}

	/**
	 * Commentd's id of a parent comment it has published; replies to anything
	 * else go to commentd as top-level comments, which it would refuse as
	 * replies.
	 *
	 * @param int $parent The WordPress parent comment.
	 * @return string
	 */
	private static function commentd_parent( $parent ) {
		if ( 'published' !== get_comment_meta( $parent, self::META_STATUS, true ) ) {
			return '';
		}
		return (string) get_comment_meta( $parent, self::META_ID, true );
	}

	/**
	 * Asks commentd and answers WordPress's question: 1, 0, 'spam', or a
	 * WP_Error that shows the reader WordPress's own "slow down" page.
	 *
	 * @param int|string|WP_Error $approved    WordPress's decision so far.
	 * @param array               $commentdata The comment.
	 * @return int|string|WP_Error
	 */
	public function decide( $approved, $commentdata ) {
		$this->decided = null;
		if ( is_wp_error( $approved ) || 'spam' === $approved || 'trash' === $approved ) {
			// WordPress's disallowed keys or another plugin decided already.
			return $approved;
		}
		if ( ! $this->config->is_configured() || ! is_array( $commentdata ) ) {
			return $approved;
		}
		$type = (string) ( $commentdata['comment_type'] ?? '' );
		if ( '' !== $type && 'comment' !== $type ) {
			// Pingbacks and trackbacks have no reader to ask about.
			return $approved;
		}
		$user_id = (int) ( $commentdata['user_id'] ?? 0 );
		if ( $user_id > 0 && user_can( $user_id, 'moderate_comments' ) ) {
			// WordPress approves its moderators' own comments.
			return $approved;
		}
		$post_id = (int) ( $commentdata['comment_post_ID'] ?? 0 );
		$request = null !== $this->captured && $this->captured['post_id'] === $post_id ? $this->captured['request'] : $this->build_request( $commentdata );
		$request_id = $request['requestId'];
		if ( ! isset( $this->answers[ $request_id ] ) ) {
			$this->answers[ $request_id ] = $this->client->submit( $request );
		}
		$answer = $this->answers[ $request_id ];

		if ( Commentd_Answer::RATE_LIMITED === $answer->kind ) {
			return $this->slow_down( $answer->retry_after );
		}
		$this->decided = array(
			'post_id' => $post_id,
			'request' => $request,
			'answer'  => $answer,
		);
		if ( Commentd_Answer::FAILED === $answer->kind ) {
			$this->config->record_error( $answer->message );
			return 0;
		}
		return self::wordpress_status( $answer->status );
	}

	/**
	 * WordPress's comment_approved for a commentd status.
	 *
	 * @param string $status published, pending or spam.
	 * @return int|string
	 */
	public static function wordpress_status( $status ) {
		switch ( $status ) {
			case 'published':
				return 1;
			case 'spam':
				return 'spam';
			default:
				return 0;
		}
	}

	/**
	 * The error that makes WordPress show its own "slow down" page (HTTP 429),
	 * with when to try again.
	 *
	 * @param int $seconds Seconds until commentd takes the reader's comments again.
	 * @return WP_Error
	 */
	private function slow_down( $seconds ) {
		$seconds = max( 1, (int) $seconds );
		if ( ! headers_sent() ) {
			header( 'Retry-After: ' . $seconds );
		}
		/** This filter is documented in wp-includes/comment-template.php */
		$message = apply_filters( 'comment_flood_message', __( 'You are posting comments too quickly. Slow down.' ) ); // phpcs:ignore WordPress.WP.I18n.MissingArgDomain -- WordPress's own string.
		$message = esc_html( $message ) . ' ' . esc_html(
			sprintf(
				/* translators: %s: how long to wait, such as "15 seconds". */
				__( 'Please try again in %s.', 'commentd-moderation' ),
				human_time_diff( time(), time() + $seconds )
			)
		);
		return new WP_Error( 'comment_flood', $message, 429 );
	}

	/**
	 * Records commentd's answer on the comment WordPress just inserted.
	 *
	 * @param int        $comment_id The comment.
	 * @param WP_Comment $comment    The comment.
	 * @return void
	 */
	public function remember( $comment_id, $comment ) {
		$decided       = $this->decided;
		$this->decided = null;
		if ( null === $decided || ! $comment instanceof WP_Comment || (int) $comment->comment_post_ID !== $decided['post_id'] ) {
			return;
		}
		$answer = $decided['answer'];
		update_comment_meta( $comment_id, self::META_REQUEST_ID, wp_slash( $decided['request']['requestId'] ) );
		if ( Commentd_Answer::DECIDED === $answer->kind ) {
			self::record_answer( $comment_id, $answer );
			return;
		}
		update_comment_meta( $comment_id, self::META_STATUS, 'unanswered' );
		update_comment_meta( $comment_id, self::META_ERROR, wp_slash( $answer->message ) );
		if ( $answer->retryable ) {
			update_comment_meta( $comment_id, self::META_RETRY, wp_slash( wp_json_encode( $decided['request'], JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES ) ) );
			update_comment_meta( $comment_id, self::META_ATTEMPTS, 0 );
			wp_schedule_single_event( time() + self::backoff( 0 ), self::RETRY_HOOK, array( (int) $comment_id ) );
		}
	}

	/**
	 * Records a decision of commentd on a comment.
	 *
	 * @param int             $comment_id The comment.
	 * @param Commentd_Answer $answer     The decision.
	 * @return void
	 */
	private static function record_answer( $comment_id, Commentd_Answer $answer ) {
		update_comment_meta( $comment_id, self::META_ID, wp_slash( $answer->id ) );
		update_comment_meta( $comment_id, self::META_STATUS, $answer->status );
		update_comment_meta( $comment_id, self::META_RULES, wp_slash( implode( ', ', array_unique( $answer->rules ) ) ) );
		delete_comment_meta( $comment_id, self::META_ERROR );
		delete_comment_meta( $comment_id, self::META_RETRY );
		delete_comment_meta( $comment_id, self::META_ATTEMPTS );
	}

	/**
	 * Sends a held comment to commentd again (WP-Cron). Its request id is the
	 * first one's, so commentd stores it once whether or not it had stored it
	 * before its answer was lost. Commentd's decision applies only while the
	 * comment is still held: a WordPress moderator's decision stands.
	 *
	 * @param int $comment_id The comment.
	 * @return void
	 */
	public function retry( $comment_id ) {
		$comment_id = (int) $comment_id;
		$json       = get_comment_meta( $comment_id, self::META_RETRY, true );
		$comment    = get_comment( $comment_id );
		if ( ! is_string( $json ) || '' === $json || ! $comment instanceof WP_Comment || ! $this->config->is_configured() ) {
			return;
		}
		$request = json_decode( $json, true );
		if ( ! is_array( $request ) ) {
			delete_comment_meta( $comment_id, self::META_RETRY );
			return;
		}
		$answer = $this->client->submit( $request );
		if ( Commentd_Answer::DECIDED === $answer->kind ) {
			self::record_answer( $comment_id, $answer );
			if ( '0' === (string) $comment->comment_approved ) {
				self::set_status( $comment_id, 'published' === $answer->status ? 'approve' : ( 'spam' === $answer->status ? 'spam' : 'hold' ) );
			}
			return;
		}
		$attempts = (int) get_comment_meta( $comment_id, self::META_ATTEMPTS, true ) + 1;
		update_comment_meta( $comment_id, self::META_ERROR, wp_slash( $answer->message ) );
		$this->config->record_error( $answer->message );
		if ( ( Commentd_Answer::FAILED === $answer->kind && ! $answer->retryable ) || $attempts >= self::MAX_ATTEMPTS ) {
			delete_comment_meta( $comment_id, self::META_RETRY );
			delete_comment_meta( $comment_id, self::META_ATTEMPTS );
			return;
		}
		update_comment_meta( $comment_id, self::META_ATTEMPTS, $attempts );
		$delay = Commentd_Answer::RATE_LIMITED === $answer->kind ? max( $answer->retry_after, 1 ) : self::backoff( $attempts );
		wp_schedule_single_event( time() + $delay, self::RETRY_HOOK, array( $comment_id ) );
	}

	/**
	 * Seconds before sending again: one minute, doubling up to six hours.
	 *
	 * @param int $attempts Attempts so far.
	 * @return int
	 */
	public static function backoff( $attempts ) {
		return (int) min( 60 * ( 2 ** min( (int) $attempts, 9 ) ), 6 * HOUR_IN_SECONDS );
	}

	/**
	 * Moves a comment to a WordPress status through WordPress's own functions,
	 * so their hooks run.
	 *
	 * @param int    $comment_id The comment.
	 * @param string $target     approve, hold, spam, trash or delete.
	 * @return bool Whether the comment now has that status.
	 */
	public static function set_status( $comment_id, $target ) {
		// Commentd's own decision: not to be sent back to it.
		++Commentd_Decisions::$applying;
		try {
			return self::apply_status( $comment_id, $target );
		} finally {
			--Commentd_Decisions::$applying;
		}
	}

	/**
	 * Moves a comment to a WordPress status (set_status without the flag).
	 *
	 * @param int    $comment_id The comment.
	 * @param string $target     approve, hold, spam, trash or delete.
	 * @return bool
	 */
	private static function apply_status( $comment_id, $target ) {
		$current = wp_get_comment_status( $comment_id );
		if ( false === $current ) {
			return false;
		}
		switch ( $target ) {
			case 'delete':
				return (bool) wp_delete_comment( $comment_id, true );
			case 'trash':
				return 'trash' === $current || (bool) wp_trash_comment( $comment_id );
			case 'spam':
				if ( 'spam' === $current ) {
					return true;
				}
				if ( 'trash' === $current ) {
					wp_untrash_comment( $comment_id );
				}
				return (bool) wp_spam_comment( $comment_id );
		}
		$wanted = 'approve' === $target ? 'approved' : 'unapproved';
		if ( $wanted === $current ) {
			return true;
		}
		if ( 'trash' === $current ) {
			wp_untrash_comment( $comment_id );
		} elseif ( 'spam' === $current ) {
			wp_unspam_comment( $comment_id );
		}
		return wp_get_comment_status( $comment_id ) === $wanted || true === wp_set_comment_status( $comment_id, $target );
	}

	/**
	 * Deletes the request kept for sending again when WordPress anonymizes a
	 * comment on a reader's erasure request: it holds their email and IP.
	 *
	 * @param bool|string $anonymize  True, or why the comment is kept.
	 * @param WP_Comment  $comment    The comment.
	 * @return bool|string Unchanged.
	 */
	public function forget_request( $anonymize, $comment ) {
		if ( true === $anonymize && $comment instanceof WP_Comment ) {
			delete_comment_meta( (int) $comment->comment_ID, self::META_RETRY );
		}
		return $anonymize;
	}

	/**
	 * Schedules sending again the comments that wait for it.
	 *
	 * @return void
	 */
	public static function activate() {
		$ids = get_comments(
			array(
				'meta_key' => self::META_RETRY, // phpcs:ignore WordPress.DB.SlowDBQuery.slow_db_query_meta_key -- on activation only.
				'status'   => 'any',
				'fields'   => 'ids',
				'number'   => 1000,
			)
		);
		foreach ( $ids as $i => $id ) {
			if ( ! wp_next_scheduled( self::RETRY_HOOK, array( (int) $id ) ) ) {
				wp_schedule_single_event( time() + 60 + $i, self::RETRY_HOOK, array( (int) $id ) );
			}
		}
		if ( Commentd_Decisions::outbox() && ! wp_next_scheduled( Commentd_Decisions::RETRY_HOOK ) ) {
			wp_schedule_single_event( time() + 60, Commentd_Decisions::RETRY_HOOK );
		}
	}

	/**
	 * Stops sending again while the plugin is inactive.
	 *
	 * @return void
	 */
	public static function deactivate() {
		wp_unschedule_hook( self::RETRY_HOOK );
		wp_unschedule_hook( Commentd_Decisions::RETRY_HOOK );
	}

	/**
	 * Cuts a string to at most $max bytes without splitting a UTF-8 character.
	 *
	 * @param string $s   The string.
	 * @param int    $max Bytes.
	 * @return string
	 */
	private static function truncate_bytes( $s, $max ) {
		if ( strlen( $s ) <= $max ) {
			return $s;
		}
		$cut = $max;
		while ( $cut > 0 && ( ord( $s[ $cut ] ) & 0xC0 ) === 0x80 ) {
			--$cut;
		}
		return substr( $s, 0, $cut );
	}
}
