pub mod missing_resource_requests;
