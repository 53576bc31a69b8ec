//! `relapse watch`: re-checks a model on every save and, on request, re-runs `compare` and
//! rewrites a figure, so that editing a model shows its consequences at once.
//!
//! The model's folder is watched (not the file): editors save by writing a new file and
//! renaming it over the old one, which a watch on the file itself would lose. Changes are
//! debounced: a run starts once the file has been quiet for `--debounce` milliseconds. Each run
//! is the ordinary command (`check`, `plot` or `compare`) with the flags given after `--`, so it
//! prints exactly what that command prints; an invalid save writes nothing, so the figure keeps
//! its last good version. Ctrl-C stops watching with exit code 0.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

use clap::Parser;
use notify::{Event, EventKind, RecursiveMode, Watcher};

use super::args::{Cli, WatchArgs};
use super::{CliError, console, signals};

/// Watches `args.model` until interrupted.
pub(crate) fn run(args: &WatchArgs) -> Result<(), CliError> {
    let argv = command_line(args);
    let parsed = Cli::try_parse_from(&argv).map_err(|e| {
        CliError::Usage(format!(
            "the flags after `--` do not suit `relapse {}`: {}",
            argv[1].to_string_lossy(),
            first_line(&e.to_string())
        ))
    })?;
    drop(parsed);
    if !args.model.is_file() {
        return Err(CliError::Io(format!(
            "cannot watch `{}`: no such file",
            args.model.display()
        )));
    }
    let (folder, name) = folder_and_name(&args.model)?;
    let (sender, events) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(sender)
        .map_err(|e| CliError::Io(format!("cannot watch `{}`: {e}", folder.display())))?;
    watcher
        .watch(&folder, RecursiveMode::NonRecursive)
        .map_err(|e| CliError::Io(format!("cannot watch `{}`: {e}", folder.display())))?;
    signals::interrupt_is_success();
    console::stderr(&format!(
        "watch: watching {} (Ctrl-C to stop)\n",
        args.model.display()
    ))?;
    run_once(args, &argv)?;
    let debounce = Duration::from_millis(args.debounce);
    loop {
        wait_for_change(&events, &name, debounce)?;
        console::stderr(&format!("watch: {} changed\n", args.model.display()))?;
        run_once(args, &argv)?;
    }
}

/// The command run on each save: `compare` (with `--plot` if asked), `plot`, or `check`.
fn command_line(args: &WatchArgs) -> Vec<OsString> {
    let mut argv: Vec<OsString> = vec!["relapse".into()];
    let model = args.model.clone().into_os_string();
    match (&args.plot, args.compare) {
        (plot, true) => {
            argv.extend(["compare".into(), model]);
            if let Some(plot) = plot {
                argv.extend(["--plot".into(), plot.clone().into_os_string()]);
            }
        }
        (Some(plot), false) => {
            argv.extend([
                "plot".into(),
                model,
                "--out".into(),
                plot.clone().into_os_string(),
            ]);
        }
        (None, false) => argv.extend(["check".into(), model]),
    }
    argv.extend(args.flags.iter().map(OsString::from));
    argv
}

/// Runs the command once and says how it went. Only a closed standard output or error ends
/// the watch; every other failure is reported and the watch goes on.
fn run_once(args: &WatchArgs, argv: &[OsString]) -> Result<(), CliError> {
    let cli = Cli::try_parse_from(argv).map_err(|e| CliError::Usage(first_line(&e.to_string())))?;
    let outcome = super::run(cli);
    if let Err(CliError::BrokenPipe) = outcome {
        return Err(CliError::BrokenPipe);
    }
    let model = args.model.display();
    let kept = |what: &str| match &args.plot {
        Some(plot) => format!("watch: {what}; {} keeps the last good figure\n", plot.display()),
        None => format!("watch: {what}\n"),
    };
    let message = match &outcome {
        Ok(()) => match &args.plot {
            Some(plot) => format!("watch: ok, wrote {}\n", plot.display()),
            None => "watch: ok\n".to_string(),
        },
        Err(CliError::InvalidModel) => kept(&format!("{model} is invalid (see above)")),
        Err(e) => {
            e.report();
            kept("the run failed")
        }
    };
    console::stderr(&message)
}

/// Blocks until the watched file changes, then until it has been quiet for `debounce`.
fn wait_for_change(
    events: &Receiver<notify::Result<Event>>,
    name: &OsString,
    debounce: Duration,
) -> Result<(), CliError> {
    let disconnected = || CliError::Io("the file watcher stopped".to_string());
    loop {
        let event = events.recv().map_err(|_| disconnected())?;
        if concerns(&event, name) {
            break;
        }
    }
    loop {
        match events.recv_timeout(debounce) {
            Ok(_) => continue,
            Err(RecvTimeoutError::Timeout) => return Ok(()),
            Err(RecvTimeoutError::Disconnected) => return Err(disconnected()),
        }
    }
}

/// True if `event` may have changed the file called `name` (a watcher error counts: better
/// one run too many than a missed save).
fn concerns(event: &notify::Result<Event>, name: &OsString) -> bool {
    let Ok(event) = event else {
        return true;
    };
    let relevant_kind = matches!(
        event.kind,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Any
    );
    relevant_kind
        && event
            .paths
            .iter()
            .any(|p| p.file_name().is_some_and(|n| n == name.as_os_str()))
}

/// The folder to watch and the file name to look for in its events.
fn folder_and_name(model: &Path) -> Result<(PathBuf, OsString), CliError> {
    let name = model
        .file_name()
        .ok_or_else(|| CliError::Usage(format!("`{}` is not a file name", model.display())))?;
    let folder = match model.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((folder, name.to_os_string()))
}

fn first_line(text: &str) -> String {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim_start_matches("error: ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(plot: Option<&str>, compare: bool, flags: &[&str]) -> WatchArgs {
        WatchArgs {
            model: PathBuf::from("m.toml"),
            plot: plot.map(PathBuf::from),
            compare,
            debounce: 150,
            flags: flags.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn words(argv: &[OsString]) -> Vec<&str> {
        argv.iter().map(|a| a.to_str().unwrap()).collect()
    }

    #[test]
    fn each_mode_runs_the_matching_command_with_the_passed_flags() {
        let check = command_line(&args(None, false, &[]));
        assert_eq!(words(&check), ["relapse", "check", "m.toml"]);
        let plot = command_line(&args(Some("f.svg"), false, &["--t-end", "9"]));
        assert_eq!(
            words(&plot),
            ["relapse", "plot", "m.toml", "--out", "f.svg", "--t-end", "9"]
        );
        let compare = command_line(&args(Some("f.png"), true, &["--set", "k=1"]));
        assert_eq!(
            words(&compare),
            ["relapse", "compare", "m.toml", "--plot", "f.png", "--set", "k=1"]
        );
    }

    #[test]
    fn only_changes_to_the_watched_name_count() {
        let name = OsString::from("m.toml");
        let event = |kind, path: &str| Ok(Event::new(kind).add_path(PathBuf::from(path)));
        let modify = EventKind::Modify(notify::event::ModifyKind::Any);
        assert!(concerns(&event(modify, "/x/m.toml"), &name));
        assert!(!concerns(&event(modify, "/x/other.toml"), &name));
        let access = EventKind::Access(notify::event::AccessKind::Any);
        assert!(!concerns(&event(access, "/x/m.toml"), &name));
    }

    #[test]
    fn a_bare_file_name_is_watched_in_the_current_folder() {
        let (folder, name) = folder_and_name(Path::new("m.toml")).unwrap();
        assert_eq!((folder, name), (PathBuf::from("."), OsString::from("m.toml")));
    }
}
