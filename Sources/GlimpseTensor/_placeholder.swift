// Temporary placeholder so the package resolves while the tensor module is written; the lead engineer removes it.
