<?php
/**
 * Plugin Name:       RFM Personas
 * Description:       Opens RFM Personas from WP admin and shows each customer's persona on WooCommerce → Customers and on Users.
 * Version:           0.2.0
 * Requires at least: 6.0
 * Requires PHP:      7.4
 * Requires Plugins:  woocommerce
 * License:           GPL-2.0-or-later
 * Text Domain:       rfm-personas
 *
 * @package RFM_Personas
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

require_once __DIR__ . '/includes/launch-token.php';
require_once __DIR__ . '/includes/customers-report.php';

const RFM_PERSONAS_VERSION     = '0.2.0';
const RFM_PERSONAS_OPTION_URL  = 'rfm_personas_app_url';
const RFM_PERSONAS_OPTION_KEY  = 'rfm_personas_launch_secret';
const RFM_PERSONAS_PAGE        = 'rfm-personas';
const RFM_PERSONAS_LAUNCH_HOOK = 'rfm_personas_launch';

/** Whether WooCommerce is active (asked once plugins have loaded). */
function rfm_personas_has_woocommerce() {
	return class_exists( 'WooCommerce' );
}

/**
 * Who may open the app and change its settings: shop managers, or, while WooCommerce is
 * missing (its capability with it), administrators, so they can still reach the page.
 */
function rfm_personas_capability() {
	return rfm_personas_has_woocommerce() ? 'manage_woocommerce' : 'manage_options';
}

/* Without WooCommerce there is no store to connect nor customers report: say so once, everywhere in admin. */
add_action(
	'admin_notices',
	function () {
		if ( rfm_personas_has_woocommerce() || ! current_user_can( 'activate_plugins' ) ) {
			return;
		}
		echo '<div class="notice notice-warning rfm-personas-needs-woocommerce"><p>';
		esc_html_e( 'RFM Personas: WooCommerce is required. Install and activate WooCommerce to connect this store; until then only the settings and the Persona column on Users work.', 'rfm-personas' );
		echo '</p></div>';
	}
);

/** The app's address, without a trailing slash ('' until set). */
function rfm_personas_app_url() {
	return untrailingslashit( (string) get_option( RFM_PERSONAS_OPTION_URL, '' ) );
}

add_action(
	'admin_menu',
	function () {
		add_menu_page(
			__( 'RFM Personas', 'rfm-personas' ),
			__( 'RFM Personas', 'rfm-personas' ),
			rfm_personas_capability(),
			RFM_PERSONAS_PAGE,
			'rfm_personas_render_page',
			'dashicons-groups',
			56
		);
	}
);

add_action(
	'admin_init',
	function () {
		// options.php checks manage_options unless told which capability this settings page needs.
		add_filter( 'option_page_capability_' . RFM_PERSONAS_PAGE, 'rfm_personas_capability' );
		register_setting(
			RFM_PERSONAS_PAGE,
			RFM_PERSONAS_OPTION_URL,
			array(
				'type'              => 'string',
				'sanitize_callback' => 'esc_url_raw',
				'show_in_rest'      => false,
			)
		);
		register_setting(
			RFM_PERSONAS_PAGE,
			RFM_PERSONAS_OPTION_KEY,
			array(
				'type'              => 'string',
				'sanitize_callback' => function ( $value ) {
					// base64url only; an empty field keeps the secret already saved.
					$value = preg_replace( '/[^A-Za-z0-9_-]/', '', (string) $value );
					return '' === $value ? (string) get_option( RFM_PERSONAS_OPTION_KEY, '' ) : $value;
				},
				'show_in_rest'      => false,
			)
		);
	}
);

/** The menu page: open the app, connect the store, and the two settings the app hands out. */
function rfm_personas_render_page() {
	if ( ! current_user_can( rfm_personas_capability() ) ) {
		wp_die( esc_html__( 'You are not allowed to open RFM Personas.', 'rfm-personas' ) );
	}
	$app_url    = rfm_personas_app_url();
	$has_secret = '' !== (string) get_option( RFM_PERSONAS_OPTION_KEY, '' );
	?>
	<div class="wrap">
		<h1><?php esc_html_e( 'RFM Personas', 'rfm-personas' ); ?></h1>
		<?php if ( $app_url && $has_secret ) : ?>
			<form method="post" action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>" target="_blank">
				<input type="hidden" name="action" value="<?php echo esc_attr( RFM_PERSONAS_LAUNCH_HOOK ); ?>" />
				<?php wp_nonce_field( RFM_PERSONAS_LAUNCH_HOOK ); ?>
				<?php submit_button( __( 'Open RFM Personas', 'rfm-personas' ), 'primary', 'submit', false ); ?>
			</form>
		<?php endif; ?>
		<?php if ( $app_url && rfm_personas_has_woocommerce() ) : ?>
			<p>
				<a class="button" href="<?php echo esc_url( $app_url . '/woocommerce/connect?' . http_build_query( array( 'store' => home_url() ) ) ); ?>" target="_blank" rel="noopener">
					<?php esc_html_e( 'Connect this store', 'rfm-personas' ); ?>
				</a>
			</p>
		<?php endif; ?>
		<h2><?php esc_html_e( 'Settings', 'rfm-personas' ); ?></h2>
		<p><?php esc_html_e( 'After connecting, the app shows its address and a launch secret: paste both here.', 'rfm-personas' ); ?></p>
		<form method="post" action="options.php">
			<?php settings_fields( RFM_PERSONAS_PAGE ); ?>
			<table class="form-table" role="presentation">
				<tr>
					<th scope="row"><label for="rfm-personas-app-url"><?php esc_html_e( 'App address', 'rfm-personas' ); ?></label></th>
					<td><input type="url" class="regular-text" id="rfm-personas-app-url" name="<?php echo esc_attr( RFM_PERSONAS_OPTION_URL ); ?>" value="<?php echo esc_attr( $app_url ); ?>" placeholder="https://rfm.example.com" /></td>
				</tr>
				<tr>
					<th scope="row"><label for="rfm-personas-secret"><?php esc_html_e( 'Launch secret', 'rfm-personas' ); ?></label></th>
					<td>
						<input type="password" class="regular-text" id="rfm-personas-secret" name="<?php echo esc_attr( RFM_PERSONAS_OPTION_KEY ); ?>" value="" autocomplete="off" />
						<p class="description"><?php echo $has_secret ? esc_html__( 'Saved. Leave empty to keep it.', 'rfm-personas' ) : esc_html__( 'Not set yet.', 'rfm-personas' ); ?></p>
					</td>
				</tr>
			</table>
			<?php submit_button(); ?>
		</form>
	</div>
	<?php
}

/** "Open RFM Personas": a fresh launch token for this admin, then off to the app. */
add_action(
	'admin_post_' . RFM_PERSONAS_LAUNCH_HOOK,
	function () {
		if ( ! current_user_can( rfm_personas_capability() ) ) {
			wp_die( esc_html__( 'You are not allowed to open RFM Personas.', 'rfm-personas' ), 403 );
		}
		check_admin_referer( RFM_PERSONAS_LAUNCH_HOOK );
		$app_url = rfm_personas_app_url();
		$secret  = (string) get_option( RFM_PERSONAS_OPTION_KEY, '' );
		if ( '' === $app_url || '' === $secret ) {
			wp_die( esc_html__( 'Set the app address and launch secret under RFM Personas first.', 'rfm-personas' ) );
		}
		$token = rfm_personas_launch_token( home_url(), get_current_user_id(), $secret );
		// The app lives on another host: wp_safe_redirect() would refuse it.
		wp_redirect( $app_url . '/woocommerce/launch?token=' . rawurlencode( $token ) ); // phpcs:ignore WordPress.Security.SafeRedirect.wp_redirect_wp_redirect
		exit;
	}
);

/*
 * The persona on WooCommerce → Customers: the report's REST rows carry it
 * (includes/customers-report.php) and a small script adds the column to the React table.
 * The script loads on the WooCommerce Admin screen (page=wc-admin) rather than on the
 * customers path alone: that app moves between its reports without reloading the page.
 */
add_filter( 'woocommerce_rest_prepare_report_customers', 'rfm_personas_report_customer_persona', 10, 2 );
add_filter( 'woocommerce_report_customers_export_columns', 'rfm_personas_report_customers_export_columns' );
add_filter( 'woocommerce_report_customers_prepare_export_item', 'rfm_personas_report_customers_export_item', 10, 2 );

add_action(
	'admin_enqueue_scripts',
	function () {
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- which screen, not an action.
		$page = isset( $_GET['page'] ) ? sanitize_key( wp_unslash( $_GET['page'] ) ) : '';
		if ( 'wc-admin' !== $page || ! rfm_personas_has_woocommerce() ) {
			return;
		}
		wp_enqueue_script( 'rfm-personas-customers-report', plugins_url( 'assets/customers-report.js', __FILE__ ), array( 'wp-hooks', 'wp-i18n' ), RFM_PERSONAS_VERSION, true );
	}
);

/*
 * The persona on Users too (filter by the Customer role), where the app's write-back meta
 * lives: WooCommerce keeps customer meta as user meta `rfm_persona`.
 */
add_filter(
	'manage_users_columns',
	function ( $columns ) {
		if ( current_user_can( rfm_personas_capability() ) ) {
			$columns['rfm_persona'] = __( 'Persona', 'rfm-personas' );
		}
		return $columns;
	}
);

add_filter(
	'manage_users_custom_column',
	function ( $output, $column, $user_id ) {
		if ( 'rfm_persona' !== $column ) {
			return $output;
		}
		$persona = get_user_meta( (int) $user_id, RFM_PERSONAS_META_PERSONA, true );
		return '' === $persona ? '—' : esc_html( $persona );
	},
	10,
	3
);

/*
 * Users filtered to one persona: the app's persona pages link to users.php?rfm_persona=<name>.
 * Read-only, like WordPress's own role filter on the same screen.
 */
add_action(
	'pre_get_users',
	function ( $query ) {
		global $pagenow;
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- a list filter, as ?role= is.
		if ( ! is_admin() || 'users.php' !== $pagenow || ! isset( $_GET['rfm_persona'] ) || ! current_user_can( rfm_personas_capability() ) ) {
			return;
		}
		$persona = sanitize_text_field( wp_unslash( $_GET['rfm_persona'] ) ); // phpcs:ignore WordPress.Security.NonceVerification.Recommended
		if ( '' === $persona ) {
			return;
		}
		$meta   = (array) $query->get( 'meta_query' );
		$meta[] = array(
			'key'   => RFM_PERSONAS_META_PERSONA,
			'value' => $persona,
		);
		$query->set( 'meta_query', $meta );
	}
);
