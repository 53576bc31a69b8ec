//! The `relapse` command-line tool. Exit codes: 0 ok, 1 invalid model, 2 usage error,
//! 3 solver failure, 4 I/O error; 130, 143 and 129 after SIGINT, SIGTERM and SIGHUP.
// Every byte printed goes through `cli::console`, which handles closed pipes and full devices.
#![deny(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use clap::Parser;

mod cli;

fn main() -> ExitCode {
    cli::signals::install();
    let args = match cli::args::Cli::try_parse() {
        Ok(args) => args,
        Err(e) => return ExitCode::from(cli::console::clap_message(&e)),
    };
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            e.report();
            ExitCode::from(e.exit_code())
        }
    }
}
