//! crm-store
