<?php
/**
 * The persona on WooCommerce → Customers (the WooCommerce Admin customers report).
 *
 * That screen is a React table fed by `wc-analytics/reports/customers`: the persona is added to
 * each row of that response here, and assets/customers-report.js shows it as a column. No
 * WordPress calls when this file loads, so the app's tests can run the function under php-cli.
 *
 * @package RFM_Personas
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/** The user meta the app writes back (WooCommerce keeps customer meta as user meta). */
const RFM_PERSONAS_META_PERSONA = 'rfm_persona';

/**
 * Filter `woocommerce_rest_prepare_report_customers`: one report row gains `rfm_persona`
 * ('' for guests and for customers the app has not scored).
 *
 * @param WP_REST_Response $response The row as the report will answer it.
 * @param array            $report   The report's row: `user_id` is 0 or null for guests.
 * @return WP_REST_Response
 */
function rfm_personas_report_customer_persona( $response, $report ) {
	$user_id = is_array( $report ) && isset( $report['user_id'] ) ? (int) $report['user_id'] : 0;
	$persona = $user_id > 0 ? get_user_meta( $user_id, RFM_PERSONAS_META_PERSONA, true ) : '';
	if ( is_array( $response->data ) ) {
		$response->data[ RFM_PERSONAS_META_PERSONA ] = is_string( $persona ) ? $persona : '';
	}
	return $response;
}
