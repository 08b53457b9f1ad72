<?php
/**
 * commentd's HTTP/JSON API, as WordPress's HTTP API speaks it.
 *
 * @package Commentd_Moderation
 */

defined( 'ABSPATH' ) || exit;

/**
 * What commentd said about one submission.
 */
class Commentd_Answer {

	/**
	 * Commentd decided: status is published, pending or spam.
	 */
	const DECIDED = 'decided';

	/**
	 * Commentd refused the reader for now (RESOURCE_EXHAUSTED).
	 */
	const RATE_LIMITED = 'rate_limited';

	/**
	 * No usable answer: commentd was unreachable, slow or refused the request.
	 */
	const FAILED = 'failed';

	/**
	 * One of the constants above.
	 *
	 * @var string
	 */
	public $kind;

	/**
	 * The decision when DECIDED: published, pending or spam.
	 *
	 * @var string
	 */
	public $status = '';

	/**
	 * Commentd's id of the stored comment when DECIDED.
	 *
	 * @var string
	 */
	public $id = '';

	/**
	 * The ids of the rules behind the decision, such as wordlist_block.
	 *
	 * @var string[]
	 */
	public $rules = array();

	/**
	 * Seconds until the reader may comment again when RATE_LIMITED.
	 *
	 * @var int
	 */
	public $retry_after = 0;

	/**
	 * When FAILED, whether sending the same request later may succeed.
	 *
	 * @var bool
	 */
	public $retryable = false;

	/**
	 * What went wrong when FAILED or RATE_LIMITED, for logs and moderators.
	 *
	 * @var string
	 */
	public $message = '';

	/**
	 * Creates an answer of a kind.
	 *
	 * @param string $kind One of the constants.
	 */
	public function __construct( $kind ) {
		$this->kind = $kind;
	}

	/**
	 * A failure.
	 *
	 * @param string $message   What went wrong.
	 * @param bool   $retryable Whether the same request may succeed later.
	 * @return Commentd_Answer
	 */
	public static function failed( $message, $retryable ) {
		$answer            = new self( self::FAILED );
		$answer->message   = $message;
		$answer->retryable = $retryable;
		return $answer;
	}
}

/**
 * Calls commentd's CommentService over HTTP in the Connect protocol with JSON
 * bodies: POST {url}/commentd.v1.CommentService/SubmitComment.
 */
class Commentd_Client {

	/**
	 * The service path of SubmitComment.
	 */
	const SUBMIT_PATH = '/commentd.v1.CommentService/SubmitComment';

	/**
	 * The service path of ModerateComments.
	 */
	const MODERATE_PATH = '/commentd.v1.ModerationService/ModerateComments';

	/**
	 * Connect error codes after which the same request may succeed later.
	 */
	const RETRYABLE_CODES = array( 'unavailable', 'deadline_exceeded', 'internal', 'unknown', 'aborted', 'unauthenticated', 'permission_denied', 'unimplemented', 'resource_exhausted' );

	/**
	 * The settings.
	 *
	 * @var Commentd_Config
	 */
	private $config;

	/**
	 * Creates a client.
	 *
	 * @param Commentd_Config $config The settings.
	 */
	public function __construct( Commentd_Config $config ) {
		$this->config = $config;
	}

	/**
	 * Submits a comment. Never throws: every failure is an answer.
	 *
	 * @param array $request A SubmitCommentRequest in proto JSON.
	 * @return Commentd_Answer
	 */
	public function submit( array $request ) {
		$body = wp_json_encode( $request, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES );
		if ( false === $body ) {
			return Commentd_Answer::failed( 'the comment could not be encoded as JSON (is it valid UTF-8?)', false );
		}
		$timeout  = $this->config->timeout();
		$headers  = array(
			'Content-Type'             => 'application/json',
			'Connect-Protocol-Version' => '1',
			'Connect-Timeout-Ms'       => (string) (int) ( $timeout * 1000 ),
		);
		$site_key = $this->config->get( 'site_key' );
		if ( '' !== $site_key ) {
			$headers['Authorization'] = 'Bearer ' . $site_key;
		}
		$response = wp_remote_post(
			$this->config->url() . self::SUBMIT_PATH,
			array(
				'timeout'     => $timeout,
				'redirection' => 0,
				'headers'     => $headers,
				'body'        => $body,
				'user-agent'  => 'commentd-moderation/' . COMMENTD_MODERATION_VERSION . '; WordPress/' . get_bloginfo( 'version' ),
			)
		);
		if ( is_wp_error( $response ) ) {
			return Commentd_Answer::failed( 'commentd unreachable: ' . $response->get_error_message(), true );
		}
		return self::parse( wp_remote_retrieve_response_code( $response ), wp_remote_retrieve_header( $response, 'retry-after' ), wp_remote_retrieve_body( $response ) );
	}

	/**
	 * Applies one moderation action to commentd's comments with the
	 * moderator token. Never throws.
	 *
	 * @param string[] $ids    Commentd's comment ids, at most 500.
	 * @param string   $action A ModerationAction name, such as MODERATION_ACTION_APPROVE.
	 * @param string   $note   The note for commentd's audit trail.
	 * @return array|Commentd_Answer The ModerationResults, or a FAILED answer.
	 */
	public function moderate( array $ids, $action, $note ) {
		$token = $this->config->get( 'moderator_token' );
		if ( '' === $token ) {
			return Commentd_Answer::failed( 'no moderator token is set, so decisions made in WordPress stay in WordPress', false );
		}
		$body     = wp_json_encode(
			array(
				'ids'    => array_values( $ids ),
				'action' => $action,
				'note'   => $note,
			),
			JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES
		);
		$timeout  = $this->config->timeout();
		$response = wp_remote_post(
			$this->config->url() . self::MODERATE_PATH,
			array(
				'timeout'     => $timeout,
				'redirection' => 0,
				'headers'     => array(
					'Content-Type'             => 'application/json',
					'Connect-Protocol-Version' => '1',
					'Connect-Timeout-Ms'       => (string) (int) ( $timeout * 1000 ),
					'Authorization'            => 'Bearer ' . $token,
				),
				'body'        => (string) $body,
				'user-agent'  => 'commentd-moderation/' . COMMENTD_MODERATION_VERSION . '; WordPress/' . get_bloginfo( 'version' ),
			)
		);
		if ( is_wp_error( $response ) ) {
			return Commentd_Answer::failed( 'commentd unreachable: ' . $response->get_error_message(), true );
		}
		$code = (int) wp_remote_retrieve_response_code( $response );
		$data = json_decode( (string) wp_remote_retrieve_body( $response ), true );
		if ( 200 === $code && is_array( $data ) ) {
			return isset( $data['results'] ) && is_array( $data['results'] ) ? $data['results'] : array();
		}
		$error_code = is_array( $data ) && isset( $data['code'] ) && is_string( $data['code'] ) ? $data['code'] : '';
		$message    = is_array( $data ) && isset( $data['message'] ) && is_string( $data['message'] ) ? $data['message'] : '';
		if ( '' === $error_code ) {
			return Commentd_Answer::failed( sprintf( 'commentd answered HTTP %d without a Connect error', $code ), true );
		}
		return Commentd_Answer::failed(
			sprintf( 'commentd refused the decision: %s: %s', $error_code, $message ),
			in_array( $error_code, self::RETRYABLE_CODES, true )
		);
	}

	/**
	 * Reads commentd's HTTP answer.
	 *
	 * @param int|string $code        The HTTP status.
	 * @param string     $retry_after The Retry-After header, if any.
	 * @param string     $body        The body.
	 * @return Commentd_Answer
	 */
	public static function parse( $code, $retry_after, $body ) {
		$code = (int) $code;
		$data = json_decode( (string) $body, true );
		if ( 200 === $code ) {
			return self::parse_decision( $data );
		}
		$error_code = is_array( $data ) && isset( $data['code'] ) && is_string( $data['code'] ) ? $data['code'] : '';
		$message    = is_array( $data ) && isset( $data['message'] ) && is_string( $data['message'] ) ? $data['message'] : '';
		if ( 'resource_exhausted' === $error_code || ( '' === $error_code && 429 === $code ) ) {
			$answer              = new Commentd_Answer( Commentd_Answer::RATE_LIMITED );
			$answer->retry_after = self::retry_after( $retry_after, is_array( $data ) ? $data : array() );
			$answer->message     = 'rate limited by commentd: ' . $message;
			return $answer;
		}
		if ( '' === $error_code ) {
			// Not commentd's Connect error: a proxy, or not commentd at all.
			return Commentd_Answer::failed( sprintf( 'commentd answered HTTP %d without a Connect error', $code ), true );
		}
		return Commentd_Answer::failed(
			sprintf( 'commentd refused the comment: %s: %s', $error_code, $message ),
			in_array( $error_code, self::RETRYABLE_CODES, true )
		);
	}

	/**
	 * Reads a SubmitCommentResponse.
	 *
	 * @param mixed $data The decoded body.
	 * @return Commentd_Answer
	 */
	private static function parse_decision( $data ) {
		if ( ! is_array( $data ) ) {
			return Commentd_Answer::failed( 'commentd answered 200 without a JSON body', true );
		}
		$statuses = array(
			'COMMENT_STATUS_PUBLISHED' => 'published',
			'COMMENT_STATUS_PENDING'   => 'pending',
			'COMMENT_STATUS_SPAM'      => 'spam',
			1                          => 'published',
			2                          => 'pending',
			3                          => 'spam',
		);
		$status   = $data['status'] ?? null;
		if ( ! ( is_string( $status ) || is_int( $status ) ) || ! isset( $statuses[ $status ] ) ) {
			return Commentd_Answer::failed( 'commentd answered without a status this plugin knows', false );
		}
		$answer         = new Commentd_Answer( Commentd_Answer::DECIDED );
		$answer->status = $statuses[ $status ];
		$answer->id     = isset( $data['comment']['id'] ) && is_string( $data['comment']['id'] ) ? $data['comment']['id'] : '';
		foreach ( (array) ( $data['reasons'] ?? array() ) as $reason ) {
			if ( is_array( $reason ) && isset( $reason['rule'] ) && is_string( $reason['rule'] ) ) {
				$answer->rules[] = $reason['rule'];
			}
		}
		return $answer;
	}

	/**
	 * Seconds until a retry: the Retry-After header, else the RetryInfo detail,
	 * else WordPress's own flood interval.
	 *
	 * @param string $header The Retry-After header.
	 * @param array  $error  The Connect error.
	 * @return int
	 */
	private static function retry_after( $header, array $error ) {
		$header = trim( (string) $header );
		if ( '' !== $header && ctype_digit( $header ) ) {
			return max( 1, (int) $header );
		}
		if ( '' !== $header ) {
			$when = strtotime( $header );
			if ( false !== $when ) {
				return max( 1, $when - time() );
			}
		}
		foreach ( (array) ( $error['details'] ?? array() ) as $detail ) {
			if ( ! is_array( $detail ) || ! isset( $detail['type'] ) || 'google.rpc.RetryInfo' !== $detail['type'] ) {
				continue;
			}
			$delay = $detail['debug']['retryDelay'] ?? null;
			if ( is_string( $delay ) && preg_match( '/^(\d+)(\.\d+)?s$/', $delay, $m ) ) {
				return max( 1, (int) ceil( (float) $delay ) );
			}
			if ( isset( $detail['value'] ) && is_string( $detail['value'] ) ) {
				$seconds = self::retry_info_seconds( $detail['value'] );
				if ( null !== $seconds ) {
					return $seconds;
				}
			}
		}
		return 15;
	}

	/**
	 * Reads the delay of a google.rpc.RetryInfo in protobuf's binary form, as
	 * Connect sends details (base64, padding optional): field 1 is a Duration
	 * whose field 1 is seconds and field 2 nanoseconds.
	 *
	 * @param string $value The detail's value.
	 * @return int|null Seconds, rounded up; null when unreadable.
	 */
	public static function retry_info_seconds( $value ) {
		// phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode -- Connect's wire format.
		$bytes = base64_decode( strtr( $value, '-_', '+/' ), true );
		if ( false === $bytes ) {
			return null;
		}
		$pos = 0;
		if ( ord( $bytes[0] ?? "\0" ) !== 0x0a ) {
			return null;
		}
		++$pos;
		$len      = self::varint( $bytes, $pos );
		$duration = substr( $bytes, $pos, (int) $len );
		$seconds  = 0;
		$nanos    = 0;
		$p        = 0;
		while ( $p < strlen( $duration ) ) {
			$tag   = self::varint( $duration, $p );
			$value = self::varint( $duration, $p );
			if ( null === $tag || null === $value ) {
				return null;
			}
			if ( 0x08 === $tag ) {
				$seconds = $value;
			} elseif ( 0x10 === $tag ) {
				$nanos = $value;
			} else {
				return null;
			}
		}
		return max( 1, $seconds + ( $nanos > 0 ? 1 : 0 ) );
	}

	/**
	 * Reads one protobuf varint.
	 *
	 * @param string $bytes The bytes.
	 * @param int    $pos   Where to read; advanced past the varint.
	 * @return int|null
	 */
	private static function varint( $bytes, &$pos ) {
		$result = 0;
		for ( $shift = 0; $shift < 63; $shift += 7 ) {
			if ( $pos >= strlen( $bytes ) ) {
				return null;
			}
			$b       = ord( $bytes[ $pos++ ] );
			$result |= ( $b & 0x7f ) << $shift;
			if ( $b < 0x80 ) {
				return $result;
			}
		}
		return null;
	}
}
