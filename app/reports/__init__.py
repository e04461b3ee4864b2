"""Reports and pay (定星核算): monthly report, pay ledger, month close, quarterly grade."""
