/**
 * RFM Personas: a Persona column on WooCommerce → Customers.
 *
 * The report is WooCommerce Admin's React table; it passes its headers and rows through the
 * `woocommerce_admin_report_table` filter. Each row's persona comes from the report's REST
 * response (`rfm_persona`, added by includes/customers-report.php). Plain script, no build.
 */
( function ( wp ) {
	if ( ! wp || ! wp.hooks ) {
		return;
	}
	var __ = wp.i18n && wp.i18n.__ ? wp.i18n.__ : function ( text ) {
		return text;
	};

	wp.hooks.addFilter( 'woocommerce_admin_report_table', 'rfm-personas/customers-persona', function ( table ) {
		if ( ! table || table.endpoint !== 'customers' || ! Array.isArray( table.headers ) || ! Array.isArray( table.rows ) ) {
			return table;
		}
		var items = table.items && Array.isArray( table.items.data ) ? table.items.data : [];
		var headers = table.headers.concat( [ { label: __( 'Persona', 'rfm-personas' ), key: 'rfm_persona', isSortable: false } ] );
		var rows = table.rows.map( function ( row, index ) {
			var item = items[ index ];
			var persona = item && typeof item.rfm_persona === 'string' ? item.rfm_persona : '';
			return row.concat( [ { display: persona || '\u2014', value: persona } ] );
		} );
		return Object.assign( {}, table, { headers: headers, rows: rows } );
	} );
} )( window.wp );
