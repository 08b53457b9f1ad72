<?php
/**
 * Moderators' decisions made in commentctl, applied to WordPress's comments.
 *
 * @package Commentd_Moderation
 */

defined( 'ABSPATH' ) || exit;

/**
 * The REST route commentd's webhooks call: POST /wp-json/commentd/v1/events
 * (or /?rest_route=/commentd/v1/events). It verifies the signature and its age,
 * ignores an event it has seen, and applies a moderator's decision to the
 * WordPress comment with WordPress's own functions.
 */
class Commentd_Webhooks {

	/**
	 * The REST namespace.
	 */
	const REST_NAMESPACE = 'commentd/v1';

	/**
	 * The REST route.
	 */
	const ROUTE = '/events';

	/**
	 * A signature older (or newer) than this, in seconds, is refused: a
	 * captured request cannot be replayed later.
	 */
	const MAX_AGE = 300;

	/**
	 * Events applied are remembered a day: as long as commentd retries a
	 * delivery whose answer it did not get, and longer than MAX_AGE, so a
	 * replay within a signature's life is recognised too.
	 */
	const SEEN_FOR = DAY_IN_SECONDS;

	/**
	 * What each event asks of WordPress. A rejected comment goes to the trash,
	 * where WordPress keeps it EMPTY_TRASH_DAYS and a later approval can bring
	 * it back; a deleted one too; an erased one is deleted for good, with its
	 * reader's data.
	 */
	const ACTIONS = array(
		'comment.approved'  => 'approve',
		'comment.published' => 'approve',
		'comment.held'      => 'hold',
		'comment.spam'      => 'spam',
		'comment.rejected'  => 'trash',
		'comment.deleted'   => 'trash',
		'comment.erased'    => 'delete',
	);

	/**
	 * Commentd's status after each event, as the plugin records it.
	 */
	const STATUSES = array(
		'comment.approved'  => 'published',
		'comment.published' => 'published',
		'comment.held'      => 'pending',
		'comment.spam'      => 'spam',
		'comment.rejected'  => 'rejected',
		'comment.deleted'   => 'deleted',
		'comment.erased'    => 'deleted',
	);

	/**
	 * The settings.
	 *
	 * @var Commentd_Config
	 */
	private $config;

	/**
	 * Creates the part.
	 *
	 * @param Commentd_Config $config The settings.
	 */
	public function __construct( Commentd_Config $config ) {
		$this->config = $config;
	}

	/**
	 * Hooks into WordPress.
	 *
	 * @return void
	 */
	public function register() {
		add_action( 'rest_api_init', array( $this, 'register_route' ) );
	}

	/**
	 * The URL to give commentd's policy file as the webhook's url.
	 *
	 * @return string
	 */
	public static function url() {
		return rest_url( self::REST_NAMESPACE . self::ROUTE );
	}

	/**
	 * Registers the route.
	 *
	 * @return void
	 */
	public function register_route() {
		register_rest_route(
			self::REST_NAMESPACE,
			self::ROUTE,
			array(
				'methods'             => 'POST',
				'callback'            => array( $this, 'receive' ),
				'permission_callback' => array( $this, 'verify' ),
			)
		);
	}

	/**
	 * Lets in only a request signed with the webhook secret within MAX_AGE.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return true|WP_Error
	 */
	public function verify( WP_REST_Request $request ) {
		$secret = $this->config->get( 'webhook_secret' );
		if ( '' === $secret ) {
			return new WP_Error( 'commentd_no_secret', 'This site has no commentd webhook secret, so it accepts no webhooks.', array( 'status' => 503 ) );
		}
		$result = self::check_signature( (string) $request->get_header( 'commentd_signature' ), $request->get_body(), $secret, time() );
		if ( true !== $result ) {
			return new WP_Error( 'commentd_bad_signature', $result, array( 'status' => 401 ) );
		}
		return true;
	}

	/**
	 * Checks a Commentd-Signature header: t=<unix time>,v1=<hex HMAC-SHA256 of
	 * "<t>.<body>" with the secret>. Several v1 values may be sent while a
	 * secret is rotated; one must match.
	 *
	 * @param string $header The header.
	 * @param string $body   The raw body.
	 * @param string $secret The shared secret.
	 * @param int    $now    The current Unix time.
	 * @return true|string True, or why the request is refused.
	 */
	public static function check_signature( $header, $body, $secret, $now ) {
		$timestamp  = null;
		$signatures = array();
		foreach ( explode( ',', $header ) as $part ) {
			$pair = explode( '=', trim( $part ), 2 );
			if ( 2 !== count( $pair ) ) {
				continue;
			}
			if ( 't' === $pair[0] && ctype_digit( $pair[1] ) ) {
				$timestamp = $pair[1];
			} elseif ( 'v1' === $pair[0] ) {
				$signatures[] = strtolower( $pair[1] );
			}
		}
		if ( null === $timestamp || ! $signatures ) {
			return 'missing or malformed Commentd-Signature header';
		}
		if ( abs( $now - (int) $timestamp ) > self::MAX_AGE ) {
			return 'the signature is too old (or its clock too far off): more than 5 minutes';
		}
		$expected = hash_hmac( 'sha256', $timestamp . '.' . $body, $secret );
		foreach ( $signatures as $signature ) {
			if ( hash_equals( $expected, $signature ) ) {
				return true;
			}
		}
		return 'the signature does not match the webhook secret';
	}

	/**
	 * Applies one event.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response|WP_Error
	 */
	public function receive( WP_REST_Request $request ) {
		$event = json_decode( $request->get_body(), true );
		if ( ! is_array( $event ) || ! isset( $event['type'] ) || ! is_string( $event['type'] ) ) {
			return new WP_Error( 'commentd_bad_event', 'The body is not a commentd event.', array( 'status' => 400 ) );
		}
		$event_id = (string) $request->get_header( 'commentd_event_id' );
		if ( '' === $event_id && isset( $event['id'] ) && is_string( $event['id'] ) ) {
			$event_id = $event['id'];
		}
		$seen_key = 'commentd_event_' . md5( $event_id );
		if ( '' !== $event_id && get_transient( $seen_key ) ) {
			return self::answer( 'duplicate', 0 );
		}
		$result = $this->apply( $event );
		if ( is_wp_error( $result ) ) {
			// Not remembered: commentd delivers it again.
			return $result;
		}
		if ( '' !== $event_id ) {
			set_transient( $seen_key, 1, self::SEEN_FOR );
		}
		return self::answer( $result[0], $result[1] );
	}

	/**
	 * The route's answer.
	 *
	 * @param string $outcome    applied, unchanged, ignored or duplicate.
	 * @param int    $comment_id The WordPress comment, or 0.
	 * @return WP_REST_Response
	 */
	private static function answer( $outcome, $comment_id ) {
		return new WP_REST_Response(
			array(
				'outcome' => $outcome,
				'comment' => $comment_id > 0 ? $comment_id : null,
			),
			200
		);
	}

	/**
	 * Applies an event to the comment it is about.
	 *
	 * @param array $event The event.
	 * @return array{0:string,1:int}|WP_Error The outcome and the comment.
	 */
	public function apply( array $event ) {
		$type    = $event['type'];
		$comment = isset( $event['comment'] ) && is_array( $event['comment'] ) ? $event['comment'] : array();
		if ( ! isset( self::ACTIONS[ $type ] ) ) {
			return array( 'ignored', 0 );
		}
		$comment_id = self::find_comment( $comment, isset( $event['request_id'] ) && is_string( $event['request_id'] ) ? $event['request_id'] : '' );
		if ( 0 === $comment_id ) {
			// Not one of this site's comments, or no longer here.
			return array( 'ignored', 0 );
		}
		$moderator = isset( $event['moderator'] ) && is_string( $event['moderator'] ) ? $event['moderator'] : '';
		$status    = (string) get_comment_meta( $comment_id, Commentd_Submission::META_STATUS, true );
		$decision  = '' !== $moderator || in_array( $type, array( 'comment.approved', 'comment.rejected', 'comment.deleted', 'comment.erased' ), true );
		if ( ! $decision && 'unanswered' !== $status ) {
			// Commentd's verdict at submission: WordPress has it already.
			return array( 'unchanged', $comment_id );
		}
		$action = self::ACTIONS[ $type ];
		if ( ! Commentd_Submission::set_status( $comment_id, $action ) ) {
			return new WP_Error( 'commentd_not_applied', 'WordPress did not change the comment; deliver again.', array( 'status' => 500 ) );
		}
		if ( 'delete' === $action ) {
			return array( 'applied', $comment_id );
		}
		if ( isset( $comment['id'] ) && is_string( $comment['id'] ) && '' !== $comment['id'] ) {
			update_comment_meta( $comment_id, Commentd_Submission::META_ID, wp_slash( $comment['id'] ) );
		}
		update_comment_meta( $comment_id, Commentd_Submission::META_STATUS, self::STATUSES[ $type ] );
		delete_comment_meta( $comment_id, Commentd_Submission::META_RETRY );
		delete_comment_meta( $comment_id, Commentd_Submission::META_ERROR );
		$time = isset( $event['time'] ) && is_string( $event['time'] ) ? $event['time'] : gmdate( 'c' );
		update_comment_meta( $comment_id, Commentd_Submission::META_EVENT, wp_slash( trim( $type . ( '' !== $moderator ? ' by ' . $moderator : '' ) . ' at ' . $time ) ) );
		return array( 'applied', $comment_id );
	}

	/**
	 * The WordPress comment an event is about: by commentd's id, else by the
	 * request id it was sent with (when commentd stored it but its answer
	 * never reached WordPress).
	 *
	 * @param array  $comment    The event's comment.
	 * @param string $request_id The event's request_id.
	 * @return int The comment, or 0.
	 */
	private static function find_comment( array $comment, $request_id ) {
		$keys = array(
			Commentd_Submission::META_ID         => $comment['id'] ?? '',
			Commentd_Submission::META_REQUEST_ID => $request_id,
		);
		foreach ( $keys as $key => $value ) {
			if ( ! is_string( $value ) || '' === $value ) {
				continue;
			}
			$ids = get_comments(
				array(
					'meta_key'                  => $key, // phpcs:ignore WordPress.DB.SlowDBQuery.slow_db_query_meta_key -- one lookup per webhook.
					'meta_value'                => $value, // phpcs:ignore WordPress.DB.SlowDBQuery.slow_db_query_meta_value -- one lookup per webhook.
					'status'                    => 'any',
					'fields'                    => 'ids',
					'number'                    => 1,
					'no_found_rows'             => true,
					'update_comment_meta_cache' => false,
				)
			);
			if ( $ids ) {
				return (int) $ids[0];
			}
		}
		return 0;
	}
}
