//! The command line: clap subcommands; the only module that prints.
