<?php
/**
 * Launch tokens: how WP admin opens the app as the logged-in user, for this store.
 *
 * No WordPress calls here, so the app's tests can run this file with `php -r` and check
 * that the app accepts what it makes (app/platforms/woocommerce/launch.server.ts holds the
 * other half of the format).
 *
 * @package RFM_Personas
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/** How long a token lives: long enough to cross one redirect (the app refuses more than 5 minutes). */
const RFM_PERSONAS_LAUNCH_TTL = 120;

/**
 * Base64url without padding, as the app decodes it.
 *
 * @param string $bytes Raw bytes.
 * @return string
 */
function rfm_personas_base64url( $bytes ) {
	return rtrim( strtr( base64_encode( $bytes ), '+/', '-_' ), '=' ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode -- a token encoding, not obfuscation.
}

/**
 * A signed launch token: `<payload>.<signature>`, payload JSON {site, user, exp, nonce},
 * signature HMAC-SHA256 with the store's launch secret over "rfm-launch\n<payload>".
 *
 * @param string   $site    The store's URL (home_url()).
 * @param int      $user_id The WordPress user opening the app.
 * @param string   $secret  The launch secret the app handed out when the store connected.
 * @param int|null $now     Unix time (tests); default time().
 * @return string
 */
function rfm_personas_launch_token( $site, $user_id, $secret, $now = null ) {
	$now     = null === $now ? time() : (int) $now;
	$payload = array(
		'site'  => (string) $site,
		'user'  => (int) $user_id,
		'exp'   => $now + RFM_PERSONAS_LAUNCH_TTL,
		'nonce' => bin2hex( random_bytes( 16 ) ),
	);
	$body    = rfm_personas_base64url( json_encode( $payload, JSON_UNESCAPED_SLASHES ) ); // phpcs:ignore WordPress.WP.AlternativeFunctions.json_encode_json_encode -- runs outside WordPress in the app's tests.
	$mac     = hash_hmac( 'sha256', "rfm-launch\n" . $body, (string) $secret, true );
	return $body . '.' . rfm_personas_base64url( $mac );
}
