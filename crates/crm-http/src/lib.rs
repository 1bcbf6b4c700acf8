//! crm-http
