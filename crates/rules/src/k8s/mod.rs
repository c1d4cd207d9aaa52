pub mod deprecated_api_version;
pub mod karpenter_v1_schema_drift;
pub mod missing_resource_requests;
pub mod target_version;
