<?php
/**
 * The end-to-end test's hands inside WordPress, run with php-cli:
 *
 *   php wp-helper.php DOCROOT install TITLE ADMIN_EMAIL   installs WordPress, activates the plugin, prints {"post": ID}
 *   php wp-helper.php DOCROOT dump                        prints every comment with the plugin's meta as JSON
 *   php wp-helper.php DOCROOT cron                        runs the plugin's scheduled retries (comments and decisions) now, as WP-Cron would when due
 *   php wp-helper.php DOCROOT settings                    prints Settings → commentd and the Comments screen's commentd column, as an admin sees them
 *   php wp-helper.php DOCROOT moderate ACTION ID...       as the admin, applies spam, approve, trash or delete to comments as the Comments screen does (one request: a bulk action)
 *   php wp-helper.php DOCROOT outbox                      prints the decisions waiting for commentd as JSON
 *   php wp-helper.php DOCROOT history PASSWORD            sets the admin's password and writes a post's comment history with WordPress's own functions, prints {"post": ID}
 *
 * WP_E2E_HOME is the site's address. It lives outside the document root so the
 * web server cannot run it.
 *
 * @package Commentd_Moderation
 */

if ( 'cli' !== PHP_SAPI || $argc < 3 ) {
	fwrite( STDERR, "usage: php wp-helper.php DOCROOT install|dump|cron\n" );
	exit( 2 );
}
$docroot = rtrim( $argv[1], '/' );
$command = $argv[2];
$home    = parse_url( (string) getenv( 'WP_E2E_HOME' ) );

$_SERVER['HTTP_HOST']   = $home['host'] . ':' . $home['port'];
$_SERVER['SERVER_NAME'] = $home['host'];
$_SERVER['REQUEST_URI'] = '/';

if ( 'install' === $command ) {
	define( 'WP_INSTALLING', true );
}
if ( 'settings' === $command ) {
	define( 'WP_ADMIN', true );
}
require $docroot . '/wp-load.php';

switch ( $command ) {
	case 'install':
		require_once ABSPATH . 'wp-admin/includes/upgrade.php';
		require_once ABSPATH . 'wp-admin/includes/plugin.php';
		$result = wp_install( $argv[3], 'admin', $argv[4], true, '', wp_generate_password( 24 ) );
		if ( empty( $result['user_id'] ) ) {
			fwrite( STDERR, "wp_install failed\n" );
			exit( 1 );
		}
		// WordPress's own moderation steps aside, so every outcome is commentd's.
		update_option( 'comment_moderation', 0 );
		update_option( 'comment_previously_approved', 0 );
		update_option( 'comment_max_links', 100 );
		update_option( 'moderation_keys', '' );
		update_option( 'disallowed_keys', '' );
		update_option( 'require_name_email', 1 );
		update_option( 'comment_registration', 0 );
		update_option( 'close_comments_for_old_posts', 0 );
		update_option( 'comments_notify', 0 );
		update_option( 'moderation_notify', 0 );
		$post = wp_insert_post(
			array(
				'post_title'     => 'बजट सत्र: किसानों के लिए क्या है',
				'post_content'   => 'The budget session, explained.',
				'post_status'    => 'publish',
				'post_author'    => $result['user_id'],
				'comment_status' => 'open',
			),
			true
		);
		if ( is_wp_error( $post ) ) {
			fwrite( STDERR, $post->get_error_message() . "\n" );
			exit( 1 );
		}
		$activated = activate_plugin( 'commentd-moderation/commentd-moderation.php' );
		if ( is_wp_error( $activated ) ) {
			fwrite( STDERR, 'activate_plugin: ' . $activated->get_error_message() . "\n" );
			exit( 1 );
		}
		echo json_encode( array( 'post' => $post, 'active' => get_option( 'active_plugins' ) ) ), "\n";
		break;

	case 'dump':
		global $wpdb;
		$rows = $wpdb->get_results( "SELECT comment_ID, comment_post_ID, comment_author, comment_author_email, comment_author_url, comment_author_IP, comment_content, comment_approved, comment_type FROM {$wpdb->comments} ORDER BY comment_ID", ARRAY_A );
		foreach ( $rows as &$row ) {
			$meta = array();
			foreach ( get_comment_meta( (int) $row['comment_ID'] ) as $key => $values ) {
				if ( 0 === strpos( $key, '_commentd_' ) ) {
					$meta[ $key ] = $values[0];
				}
			}
			$row['meta'] = (object) $meta;
		}
		echo json_encode( $rows, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES ), "\n";
		break;

	case 'cron':
		$ran = 0;
		foreach ( (array) _get_cron_array() as $timestamp => $hooks ) {
			foreach ( array( 'commentd_moderation_retry', 'commentd_moderation_send_decisions' ) as $hook ) {
				foreach ( (array) ( $hooks[ $hook ] ?? array() ) as $event ) {
					wp_unschedule_event( $timestamp, $hook, $event['args'] );
					do_action_ref_array( $hook, $event['args'] );
					++$ran;
				}
			}
		}
		echo json_encode( array( 'ran' => $ran ) ), "\n";
		break;

	case 'settings':
		require_once ABSPATH . 'wp-admin/includes/admin.php';
		wp_set_current_user( 1 );
		$GLOBALS['title'] = 'commentd Moderation';
		$settings = new Commentd_Settings( new Commentd_Config() );
		$settings->register_settings();
		$settings->render_page();
		$columns = apply_filters( 'manage_edit-comments_columns', array() );
		echo "\n<!-- columns: ", implode( ', ', array_keys( $columns ) ), " -->\n";
		foreach ( get_comments( array( 'status' => 'all', 'fields' => 'ids' ) ) as $id ) {
			echo "<!-- comment $id: ";
			do_action( 'manage_comments_custom_column', 'commentd', $id );
			echo " -->\n";
		}
		break;

	case 'moderate':
		// What the Comments screen's row and bulk actions call; the plugin
		// sends the decisions at shutdown.
		wp_set_current_user( 1 );
		foreach ( array_slice( $argv, 4 ) as $id ) {
			$id = (int) $id;
			switch ( $argv[3] ) {
				case 'spam':
					$ok = wp_spam_comment( $id );
					break;
				case 'trash':
					$ok = wp_trash_comment( $id );
					break;
				case 'delete':
					$ok = wp_delete_comment( $id, true );
					break;
				default:
					$ok = true === wp_set_comment_status( $id, $argv[3] );
			}
			if ( ! $ok ) {
				fwrite( STDERR, "{$argv[3]} $id failed\n" );
				exit( 1 );
			}
		}
		echo json_encode( array( 'moderated' => count( $argv ) - 4 ) ), "\n";
		break;

	case 'outbox':
		echo json_encode( Commentd_Decisions::outbox() ), "\n";
		break;

	case 'history':
		// A history from before the plugin: comments written straight into
		// WordPress (wp_insert_comment runs none of the plugin's hooks),
		// then moderated with WordPress's own functions.
		wp_set_password( $argv[3], 1 );
		$post = wp_insert_post(
			array(
				'post_title'     => 'मानसून सत्र की झलकियाँ',
				'post_content'   => 'The monsoon session, day by day.',
				'post_status'    => 'publish',
				'post_author'    => 1,
				'comment_status' => 'open',
			),
			true
		);
		if ( is_wp_error( $post ) ) {
			fwrite( STDERR, $post->get_error_message() . "\n" );
			exit( 1 );
		}
		$at      = strtotime( '2026-10-01 08:00:00 UTC' );
		$comment = function ( $minute, $fields ) use ( $post, $at ) {
			$t  = $at + 60 * $minute;
			$id = wp_insert_comment(
				array_merge(
					array(
						'comment_post_ID'   => $post,
						'comment_author_IP' => '203.0.113.' . $minute,
						'comment_agent'     => 'Mozilla/5.0',
						'comment_type'      => 'comment',
						'comment_approved'  => 1,
						'comment_date_gmt'  => gmdate( 'Y-m-d H:i:s', $t ),
						'comment_date'      => gmdate( 'Y-m-d H:i:s', $t + 19800 ), // Asia/Kolkata
					),
					$fields
				)
			);
			if ( ! $id ) {
				fwrite( STDERR, "wp_insert_comment failed\n" );
				exit( 1 );
			}
			return $id;
		};
		$anita = $comment( 1, array( 'comment_author' => 'अनीता देशमुख', 'comment_author_email' => 'anita@example.in', 'comment_content' => 'संसद में आज अच्छी बहस हुई, धन्यवाद इस रिपोर्ट के लिए।' ) );
		$comment( 2, array( 'comment_author' => 'सुरेश नायर', 'comment_author_email' => 'suresh@example.com', 'comment_content' => 'अनीता जी, सहमत हूँ। Kal ka session bhi dekhna.', 'comment_parent' => $anita ) );
		$comment( 3, array( 'comment_author' => 'Farhan Ali', 'comment_author_email' => 'farhan@example.net', 'comment_content' => 'Kya yeh bill pass hoga?', 'comment_approved' => 0 ) );
		wp_trash_comment( $comment( 4, array( 'comment_author' => 'गुस्सैल पाठक', 'comment_author_email' => 'angry@example.org', 'comment_content' => 'पूरी रिपोर्ट झूठ है!' ) ) );
		wp_spam_comment( $comment( 5, array( 'comment_author' => 'Lucky Bhai', 'comment_author_email' => 'lucky@example.com', 'comment_content' => 'Satta king result, WhatsApp now' ) ) );
		$comment( 6, array( 'comment_author' => 'Another Blog', 'comment_author_email' => '', 'comment_author_url' => 'https://blog.example/', 'comment_content' => '[&#8230;] मानसून सत्र [&#8230;]', 'comment_type' => 'pingback' ) );
		echo json_encode( array( 'post' => $post ) ), "\n";
		break;

	default:
		fwrite( STDERR, "unknown command $command\n" );
		exit( 2 );
}
