<?php
/**
 * The settings page, under Settings → commentd.
 *
 * @package Commentd_Moderation
 */

defined( 'ABSPATH' ) || exit;

/**
 * The settings page: commentd's URL, the site key, the webhook secret and the
 * timeout, through the Settings API. A setting that wp-config.php defines as a
 * constant is shown as such and cannot be edited here; secrets are never shown.
 */
class Commentd_Settings {

	/**
	 * The page's slug.
	 */
	const PAGE = 'commentd-moderation';

	/**
	 * The settings group.
	 */
	const GROUP = 'commentd_moderation';

	/**
	 * The settings.
	 *
	 * @var Commentd_Config
	 */
	private $config;

	/**
	 * Creates the page.
	 *
	 * @param Commentd_Config $config The settings.
	 */
	public function __construct( Commentd_Config $config ) {
		$this->config = $config;
	}

	/**
	 * Hooks into WordPress's admin.
	 *
	 * @return void
	 */
	public function register() {
		add_action( 'admin_menu', array( $this, 'add_page' ) );
		add_action( 'admin_init', array( $this, 'register_settings' ) );
		add_filter( 'plugin_action_links_' . plugin_basename( COMMENTD_MODERATION_FILE ), array( $this, 'action_links' ) );
		add_filter( 'manage_edit-comments_columns', array( $this, 'add_column' ) );
		add_action( 'manage_comments_custom_column', array( $this, 'render_column' ), 10, 2 );
	}

	/**
	 * Adds a commentd column to the Comments screen.
	 *
	 * @param string[] $columns The columns.
	 * @return string[]
	 */
	public function add_column( $columns ) {
		$columns['commentd'] = __( 'commentd', 'commentd-moderation' );
		return $columns;
	}

	/**
	 * What commentd said about a comment: its status and rules, or why it
	 * has not answered.
	 *
	 * @param string $column     The column.
	 * @param int    $comment_id The comment.
	 * @return void
	 */
	public function render_column( $column, $comment_id ) {
		if ( 'commentd' !== $column ) {
			return;
		}
		$status = (string) get_comment_meta( $comment_id, Commentd_Submission::META_STATUS, true );
		if ( '' === $status ) {
			echo '&#8212;';
			return;
		}
		echo esc_html( $status );
		$rules = (string) get_comment_meta( $comment_id, Commentd_Submission::META_RULES, true );
		if ( '' !== $rules ) {
			echo '<br /><small>' . esc_html( $rules ) . '</small>';
		}
		$detail = (string) get_comment_meta( $comment_id, Commentd_Submission::META_EVENT, true );
		if ( '' === $detail ) {
			$detail = (string) get_comment_meta( $comment_id, Commentd_Submission::META_ERROR, true );
		}
		if ( '' !== $detail ) {
			echo '<br /><small>' . esc_html( $detail ) . '</small>';
		}
	}

	/**
	 * Adds Settings → commentd.
	 *
	 * @return void
	 */
	public function add_page() {
		add_options_page(
			__( 'commentd Moderation', 'commentd-moderation' ),
			__( 'commentd', 'commentd-moderation' ),
			'manage_options',
			self::PAGE,
			array( $this, 'render_page' )
		);
	}

	/**
	 * A Settings link beside the plugin on the Plugins page.
	 *
	 * @param string[] $links The plugin's links.
	 * @return string[]
	 */
	public function action_links( $links ) {
		$url = admin_url( 'options-general.php?page=' . self::PAGE );
		array_unshift( $links, '<a href="' . esc_url( $url ) . '">' . esc_html__( 'Settings', 'commentd-moderation' ) . '</a>' );
		return $links;
	}

	/**
	 * Registers the option, the section and the fields.
	 *
	 * @return void
	 */
	public function register_settings() {
		register_setting(
			self::GROUP,
			Commentd_Config::OPTION,
			array(
				'type'              => 'array',
				'sanitize_callback' => array( $this, 'sanitize' ),
				'default'           => array(),
				'show_in_rest'      => false,
			)
		);
		add_settings_section( 'commentd_server', __( 'commentd server', 'commentd-moderation' ), '__return_false', self::PAGE );

		$fields = array(
			'url'             => array( __( 'commentd URL', 'commentd-moderation' ), 'url', __( 'The address commentd serves HTTP on (its --http-listen), such as https://commentd.example.in. Empty: comments are not sent to commentd.', 'commentd-moderation' ) ),
			'site_key'        => array( __( 'Site key', 'commentd-moderation' ), 'password', __( "This site's key, one of commentd's --site-keys.", 'commentd-moderation' ) ),
			'webhook_secret'  => array( __( 'Webhook secret', 'commentd-moderation' ), 'password', __( "The secret of this site's webhook in commentd's policy file.", 'commentd-moderation' ) ),
			'moderator_token' => array( __( 'Moderator token', 'commentd-moderation' ), 'password', __( "A token of commentd's --moderator-tokens. With it, approving, spamming, trashing and deleting a comment here is done in commentd too, noted with your name.", 'commentd-moderation' ) ),
			'timeout'         => array( __( 'Timeout (seconds)', 'commentd-moderation' ), 'number', __( 'How long to wait for commentd before the comment is held for a moderator.', 'commentd-moderation' ) ),
		);
		foreach ( $fields as $name => $field ) {
			add_settings_field(
				'commentd_' . $name,
				$field[0],
				array( $this, 'render_field' ),
				self::PAGE,
				'commentd_server',
				array(
					'name'        => $name,
					'type'        => $field[1],
					'description' => $field[2],
					'label_for'   => 'commentd_' . $name,
				)
			);
		}
	}

	/**
	 * Cleans the submitted settings. An empty secret field keeps the secret
	 * saved before, as the page never shows it.
	 *
	 * @param mixed $input The submitted values.
	 * @return array
	 */
	public function sanitize( $input ) {
		$old    = get_option( Commentd_Config::OPTION, array() );
		$old    = is_array( $old ) ? $old : array();
		$input  = is_array( $input ) ? $input : array();
		$output = array();

		$url = isset( $input['url'] ) ? trim( (string) $input['url'] ) : '';
		if ( '' !== $url && ! preg_match( '#^https?://[^/]#i', $url ) ) {
			add_settings_error( Commentd_Config::OPTION, 'commentd_url', __( 'The commentd URL must start with http:// or https://.', 'commentd-moderation' ) );
			$url = $old['url'] ?? '';
		}
		$output['url'] = esc_url_raw( $url, array( 'http', 'https' ) );

		foreach ( array( 'site_key', 'webhook_secret', 'moderator_token' ) as $secret ) {
			$value             = isset( $input[ $secret ] ) ? trim( (string) $input[ $secret ] ) : '';
			$output[ $secret ] = '' !== $value ? $value : ( $old[ $secret ] ?? '' );
		}
		if ( ! empty( $input['clear_secrets'] ) ) {
			$output['site_key']        = '';
			$output['webhook_secret']  = '';
			$output['moderator_token'] = '';
		}

		$timeout           = isset( $input['timeout'] ) ? (float) $input['timeout'] : 0;
		$output['timeout'] = $timeout > 0 ? (string) min( $timeout, 30 ) : '';
		return $output;
	}

	/**
	 * Renders one field.
	 *
	 * @param array $args The field: name, type, description, label_for.
	 * @return void
	 */
	public function render_field( $args ) {
		$name  = $args['name'];
		$id    = $args['label_for'];
		$field = Commentd_Config::OPTION . '[' . $name . ']';
		if ( $this->config->from_constant( $name ) ) {
			printf(
				'<p><code>%s</code> %s</p>',
				esc_html( Commentd_Config::CONSTANTS[ $name ] ),
				esc_html__( 'is set in wp-config.php, which wins over this page.', 'commentd-moderation' )
			);
			if ( 'url' === $name ) {
				printf( '<p><code>%s</code></p>', esc_html( $this->config->url() ) );
			}
			return;
		}
		switch ( $args['type'] ) {
			case 'password':
				$saved = '' !== $this->config->get( $name );
				printf(
					'<input type="password" class="regular-text" id="%s" name="%s" value="" autocomplete="new-password" placeholder="%s" />',
					esc_attr( $id ),
					esc_attr( $field ),
					esc_attr( $saved ? __( 'saved — leave empty to keep it', 'commentd-moderation' ) : '' )
				);
				break;
			case 'number':
				printf(
					'<input type="number" class="small-text" id="%s" name="%s" value="%s" min="0.5" max="30" step="0.5" placeholder="%s" />',
					esc_attr( $id ),
					esc_attr( $field ),
					esc_attr( $this->config->get( $name ) ),
					esc_attr( (string) Commentd_Config::DEFAULT_TIMEOUT )
				);
				break;
			default:
				printf(
					'<input type="url" class="regular-text code" id="%s" name="%s" value="%s" />',
					esc_attr( $id ),
					esc_attr( $field ),
					esc_attr( $this->config->get( $name ) )
				);
		}
		printf( '<p class="description">%s</p>', esc_html( $args['description'] ) );
	}

	/**
	 * Renders the page.
	 *
	 * @return void
	 */
	public function render_page() {
		if ( ! current_user_can( 'manage_options' ) ) {
			return;
		}
		$error = $this->config->last_error();
		?>
		<div class="wrap">
			<h1><?php echo esc_html( get_admin_page_title() ); ?></h1>
			<p><?php esc_html_e( 'Every new comment is sent to commentd, and its answer files the comment here: published as approved, held as pending, spam as spam. When commentd is unreachable or slower than the timeout, the comment is held for a moderator and sent again later; nothing is lost.', 'commentd-moderation' ); ?></p>
			<?php if ( $error ) : ?>
				<div class="notice notice-warning inline"><p>
					<?php
					printf(
						/* translators: 1: how long ago, 2: the problem. */
						esc_html__( 'Last problem talking to commentd, %1$s ago: %2$s', 'commentd-moderation' ),
						esc_html( human_time_diff( (int) $error['time'] ) ),
						esc_html( $error['message'] )
					);
					?>
				</p></div>
			<?php endif; ?>
			<?php $waiting = Commentd_Decisions::waiting(); ?>
			<?php if ( $waiting > 0 ) : ?>
				<div class="notice notice-warning inline"><p>
					<?php
					printf(
						/* translators: %d: how many decisions. */
						esc_html( _n( '%d decision made here waits to be sent to commentd; it is sent again automatically.', '%d decisions made here wait to be sent to commentd; they are sent again automatically.', $waiting, 'commentd-moderation' ) ),
						(int) $waiting
					);
					?>
				</p></div>
			<?php endif; ?>
			<form action="options.php" method="post">
				<?php
				settings_fields( self::GROUP );
				do_settings_sections( self::PAGE );
				if ( ! $this->config->from_constant( 'site_key' ) || ! $this->config->from_constant( 'webhook_secret' ) || ! $this->config->from_constant( 'moderator_token' ) ) {
					printf(
						'<p><label><input type="checkbox" name="%s" value="1" /> %s</label></p>',
						esc_attr( Commentd_Config::OPTION . '[clear_secrets]' ),
						esc_html__( 'Forget the saved site key, webhook secret and moderator token', 'commentd-moderation' )
					);
				}
				submit_button();
				?>
			</form>
			<h2><?php esc_html_e( 'Webhook', 'commentd-moderation' ); ?></h2>
			<p><?php esc_html_e( "Decisions commentd's moderators make in commentctl reach this site through a webhook. Add it to commentd's policy file, with the same secret as above:", 'commentd-moderation' ); ?></p>
			<pre><code><?php echo esc_html( self::policy_snippet() ); ?></code></pre>
			<?php if ( get_option( 'permalink_structure' ) ) : ?>
				<p><?php esc_html_e( 'If a proxy or a security plugin blocks /wp-json/, this URL reaches the same route:', 'commentd-moderation' ); ?> <code><?php echo esc_html( add_query_arg( 'rest_route', '/' . Commentd_Webhooks::REST_NAMESPACE . Commentd_Webhooks::ROUTE, home_url( '/' ) ) ); ?></code></p>
			<?php endif; ?>
		</div>
		<?php
	}

	/**
	 * The webhook entry for commentd's policy file.
	 *
	 * @return string
	 */
	public static function policy_snippet() {
		return "webhooks:\n"
			. '  - name: ' . wp_parse_url( home_url(), PHP_URL_HOST ) . "\n"
			. '    url: ' . Commentd_Webhooks::url() . "\n"
			. "    secret: \"<the webhook secret>\"\n"
			. "    site: \"<this site's name in --site-keys>\"\n"
			. "    events: [comment.approved, comment.spam, comment.rejected, comment.deleted, comment.erased]\n";
	}
}
