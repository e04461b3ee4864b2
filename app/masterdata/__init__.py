"""The operator's master data (technicians, broadband accounts, work orders, callbacks, complaints)
and the imports that keep it in step with the upstream OSS/BSS and IVR systems."""
