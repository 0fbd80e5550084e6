<?php
/**
 * The persona on WooCommerce → Customers (the WooCommerce Admin customers report).
 *
 * That screen is a React table fed by `wc-analytics/reports/customers`: the persona is added to
 * each row of that response here, and assets/customers-report.js shows it as a column; the
 * report's CSV export gets it here too. No WordPress calls when this file loads, so the app's
 * tests can run these functions under php-cli.
 *
 * @package RFM_Personas
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/** The user meta the app writes back (WooCommerce keeps customer meta as user meta). */
const RFM_PERSONAS_META_PERSONA = 'rfm_persona';

/**
 * A report row's persona: the customer's `rfm_persona` user meta; '' for guests (`user_id` 0
 * or null: no user, no meta) and for customers the app has not scored.
 *
 * @param array $report A customers report row.
 * @return string
 */
function rfm_personas_report_row_persona( $report ) {
	$user_id = is_array( $report ) && isset( $report['user_id'] ) ? (int) $report['user_id'] : 0;
	$persona = $user_id > 0 ? get_user_meta( $user_id, RFM_PERSONAS_META_PERSONA, true ) : '';
	return is_string( $persona ) ? $persona : '';
}

/**
 * Filter `woocommerce_rest_prepare_report_customers`: the row the report's table shows gains
 * `rfm_persona`.
 *
 * @param WP_REST_Response $response The row as the report will answer it.
 * @param array            $report   The report's row.
 * @return WP_REST_Response
 */
function rfm_personas_report_customer_persona( $response, $report ) {
	if ( is_array( $response->data ) ) {
		$response->data[ RFM_PERSONAS_META_PERSONA ] = rfm_personas_report_row_persona( $report );
	}
	return $response;
}

/**
 * Filter `woocommerce_report_customers_export_columns`: the report's CSV export (built on the
 * server for large reports) gets a Persona column too.
 *
 * @param array $columns Column id => label.
 * @return array
 */
function rfm_personas_report_customers_export_columns( $columns ) {
	$columns[ RFM_PERSONAS_META_PERSONA ] = __( 'Persona', 'rfm-personas' );
	return $columns;
}

/**
 * Filter `woocommerce_report_customers_prepare_export_item`: one exported row's persona.
 *
 * @param array $export_item Column id => value.
 * @param array $report      The report's row.
 * @return array
 */
function rfm_personas_report_customers_export_item( $export_item, $report ) {
	$export_item[ RFM_PERSONAS_META_PERSONA ] = rfm_personas_report_row_persona( $report );
	return $export_item;
}
