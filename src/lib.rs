//! Zona Custom Utils service library.
