//! COS POST-object (browser form upload) policy and form fields.
