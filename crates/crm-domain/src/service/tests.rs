//! Unit tests of the services with mocked repositories.
