//! RDAP: bootstrap, fetching and reading answers.
