"""BLE wearables: one driver module per sensor family (see ``registry``), plus the
shared timeline, capture format, bleak session and scanner."""
