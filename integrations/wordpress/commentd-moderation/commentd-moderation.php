<?php
/**
 * Plugin Name:       commentd Moderation
 * Description:       Asks a commentd server about every new comment and files it as WordPress's own approved, pending or spam comment; applies the decisions commentd's moderators make in commentctl, and sends back the ones made in WordPress.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      8.1
 * Author:            The commentd authors
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       commentd-moderation
 *
 * @package Commentd_Moderation
 */

defined( 'ABSPATH' ) || exit;

define( 'COMMENTD_MODERATION_VERSION', '0.1.0' );
define( 'COMMENTD_MODERATION_FILE', __FILE__ );

require_once __DIR__ . '/includes/class-commentd-config.php';
require_once __DIR__ . '/includes/class-commentd-client.php';
require_once __DIR__ . '/includes/class-commentd-submission.php';
require_once __DIR__ . '/includes/class-commentd-webhooks.php';
require_once __DIR__ . '/includes/class-commentd-decisions.php';
require_once __DIR__ . '/includes/class-commentd-settings.php';

/**
 * Wires the plugin's parts to WordPress's hooks.
 *
 * @return void
 */
function commentd_moderation_boot() {
	$config = new Commentd_Config();
	$client = new Commentd_Client( $config );

	( new Commentd_Submission( $config, $client ) )->register();
	( new Commentd_Webhooks( $config ) )->register();
	( new Commentd_Decisions( $config, $client ) )->register();
	if ( is_admin() ) {
		( new Commentd_Settings( $config ) )->register();
	}
}
commentd_moderation_boot();

register_activation_hook( __FILE__, array( 'Commentd_Submission', 'activate' ) );
register_deactivation_hook( __FILE__, array( 'Commentd_Submission', 'deactivate' ) );
