//! Python AST policy engine (filled by the validation work).
