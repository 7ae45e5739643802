//! RegisterTaskDefinition input built from register-ready JSON (the output of
//! `taskdef-clean`), member by member, so that nothing the user configured is lost.
