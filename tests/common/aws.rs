//! The AWS credential chain for tests: a fixed test key, and nothing beyond loopback (no
//! instance metadata, no shared config or credentials files). Each test applies it its own way:
//! to a child process's environment, or once to its own.

pub const AWS_TEST_ENV: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "AKIDTESTWARROOM"),
    (
        "AWS_SECRET_ACCESS_KEY",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    ),
    ("AWS_EC2_METADATA_DISABLED", "true"),
    ("AWS_CONFIG_FILE", "/nonexistent/warroom-test/config"),
    (
        "AWS_SHARED_CREDENTIALS_FILE",
        "/nonexistent/warroom-test/credentials",
    ),
];
