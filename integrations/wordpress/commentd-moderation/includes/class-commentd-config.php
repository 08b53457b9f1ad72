<?php
/**
 * Where the plugin's settings come from.
 *
 * @package Commentd_Moderation
 */

defined( 'ABSPATH' ) || exit;

/**
 * The plugin's settings: each one from its wp-config.php constant when that is
 * defined, so secrets can stay out of the database, and from the settings page
 * otherwise.
 */
class Commentd_Config {

	/**
	 * The option that holds the settings page's values.
	 */
	const OPTION = 'commentd_moderation_settings';

	/**
	 * The option that holds the last problem talking to commentd.
	 */
	const LAST_ERROR_OPTION = 'commentd_moderation_last_error';

	/**
	 * Each setting and the constant that overrides it.
	 */
	const CONSTANTS = array(
		'url'             => 'COMMENTD_URL',
		'site_key'        => 'COMMENTD_SITE_KEY',
		'webhook_secret'  => 'COMMENTD_WEBHOOK_SECRET',
		'moderator_token' => 'COMMENTD_MODERATOR_TOKEN',
	);

	/**
	 * Seconds to wait for commentd's answer when nothing is set.
	 */
	const DEFAULT_TIMEOUT = 3;

	/**
	 * A setting's value.
	 *
	 * @param string $name One of url, site_key, webhook_secret, moderator_token, timeout.
	 * @return string
	 */
	public function get( $name ) {
		if ( $this->from_constant( $name ) ) {
			return trim( (string) constant( self::CONSTANTS[ $name ] ) );
		}
		$options = get_option( self::OPTION, array() );
		if ( ! is_array( $options ) || ! isset( $options[ $name ] ) ) {
			return '';
		}
		return trim( (string) $options[ $name ] );
	}

	/**
	 * Whether wp-config.php sets this setting.
	 *
	 * @param string $name The setting.
	 * @return bool
	 */
	public function from_constant( $name ) {
		return isset( self::CONSTANTS[ $name ] ) && defined( self::CONSTANTS[ $name ] );
	}

	/**
	 * The commentd URL without a trailing slash, such as http://127.0.0.1:8080.
	 *
	 * @return string
	 */
	public function url() {
		return untrailingslashit( $this->get( 'url' ) );
	}

	/**
	 * Whether commentd is to be asked at all: only once its URL is set.
	 *
	 * @return bool
	 */
	public function is_configured() {
		return '' !== $this->url();
	}

	/**
	 * Seconds to wait for commentd's answer before the comment is held.
	 *
	 * @return float
	 */
	public function timeout() {
		$timeout = (float) $this->get( 'timeout' );
		if ( $timeout <= 0 ) {
			$timeout = self::DEFAULT_TIMEOUT;
		}
		/**
		 * Filters how long the plugin waits for commentd before it holds a comment.
		 *
		 * @param float $timeout Seconds.
		 */
		return (float) apply_filters( 'commentd_moderation_timeout', min( $timeout, 30 ) );
	}

	/**
	 * Records a problem talking to commentd, for the settings page and the log.
	 *
	 * @param string $message What went wrong.
	 * @return void
	 */
	public function record_error( $message ) {
		update_option(
			self::LAST_ERROR_OPTION,
			array(
				'time'    => time(),
				'message' => $message,
			),
			false
		);
		if ( defined( 'WP_DEBUG' ) && WP_DEBUG ) {
			// phpcs:ignore WordPress.PHP.DevelopmentFunctions.error_log_error_log -- only with WP_DEBUG.
			error_log( 'commentd-moderation: ' . $message );
		}
		/**
		 * Fires when the plugin could not use commentd's answer.
		 *
		 * @param string $message What went wrong.
		 */
		do_action( 'commentd_moderation_error', $message );
	}

	/**
	 * The last problem talking to commentd, or null.
	 *
	 * @return array{time:int,message:string}|null
	 */
	public function last_error() {
		$error = get_option( self::LAST_ERROR_OPTION );
		return is_array( $error ) && isset( $error['time'], $error['message'] ) ? $error : null;
	}
}
