<?php
/**
 * Removes what the plugin stored when it is deleted from the Plugins page.
 *
 * @package Commentd_Moderation
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

delete_option( 'commentd_moderation_settings' );
delete_option( 'commentd_moderation_last_error' );
delete_option( 'commentd_moderation_outbox' );
wp_unschedule_hook( 'commentd_moderation_retry' );
wp_unschedule_hook( 'commentd_moderation_send_decisions' );

// The comments stay; what commentd said about them goes.
foreach ( array( '_commentd_id', '_commentd_request_id', '_commentd_status', '_commentd_rules', '_commentd_error', '_commentd_retry', '_commentd_attempts', '_commentd_event' ) as $commentd_meta_key ) {
	delete_metadata( 'comment', 0, $commentd_meta_key, '', true );
}
