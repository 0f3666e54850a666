//! The man pages, rendered with clap_mangen from the clap definitions the binaries parse with
//! (`rgm_cli::manual`, `rgmd::options`), plus what clap cannot write: each cl* command's
//! subcommands with their own options, EXIT STATUS (the `scha_err_t` table of
//! `rgm_cli::manual::EXIT_STATUSES`), ENVIRONMENT, FILES and SEE ALSO by family, and the
//! hand-written sections in `packaging/man/NAME.roff` (EXAMPLES and notes). `hatimerun(1)` is
//! made from the page its `--help` prints (it parses its line without clap); `rt_reg(5)`, which
//! describes a file format, is a whole file in `packaging/man/`. An alias (`clrg`) is a
//! link to its command's page.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, italic, roman};
use rgm_cli::manual::{CommandDoc, EXIT_STATUSES, Family};

use crate::util::workspace_root;

/// One page: `name.section`, and its roff source.
#[derive(Debug, Clone)]
pub struct Page {
    pub name: String,
    pub section: u8,
    pub roff: String,
}

impl Page {
    pub fn file_name(&self) -> String {
        format!("{}.{}", self.name, self.section)
    }
}

/// Whole pages written by hand, in packaging/man/.
pub const STATIC_PAGES: &[(&str, u8)] = &[("rt_reg", 5)];

const MANUAL: &str = "rgm Manual";

/// The aliases' pages, as (alias, the page it is): installed as links.
pub fn aliases() -> Vec<(String, String)> {
    rgm_cli::manual::commands()
        .iter()
        .flat_map(|c| {
            c.aliases
                .iter()
                .map(|a| (format!("{a}.1"), format!("{}.1", c.name)))
        })
        .collect()
}

/// Every page rgm installs but the aliases'.
pub fn pages() -> Result<Vec<Page>> {
    let dir = workspace_root().join("packaging/man");
    let date = date();
    let mut pages = Vec::new();
    for doc in rgm_cli::manual::commands() {
        let extra = read(&dir.join(format!("{}.roff", doc.name)))?;
        pages.push(Page {
            name: doc.name.to_string(),
            section: 1,
            roff: command_page(&doc, &extra, &date)?,
        });
    }
    let rgmd = <rgmd::options::Options as clap::CommandFactory>::command();
    pages.push(Page {
        name: "rgmd".into(),
        section: 8,
        roff: daemon_page(rgmd, &read(&dir.join("rgmd.roff"))?, &date)?,
    });
    pages.push(Page {
        name: "hatimerun".into(),
        section: 1,
        roff: help_page("hatimerun", 1, rgm_exec::hatimerun::HELP, &date),
    });
    pages.push(Page {
        name: "rgm-watchdog".into(),
        section: 8,
        roff: help_page("rgm-watchdog", 8, rgmd::cluster::watchdog::HELP, &date),
    });
    for (name, section) in STATIC_PAGES {
        let page = read(&dir.join(format!("{name}.{section}")))?;
        pages.push(Page {
            name: name.to_string(),
            section: *section,
            roff: page
                .replace("@VERSION@", env!("CARGO_PKG_VERSION"))
                .replace("@DATE@", &date),
        });
    }
    Ok(pages)
}

/// Every binary's clap definition, by name: the commands of rgm-cli and rgmd.
#[cfg(test)]
pub fn clap_commands() -> Vec<(String, clap::Command)> {
    let mut all: Vec<(String, clap::Command)> = rgm_cli::manual::commands()
        .into_iter()
        .map(|c| (c.name.to_string(), (c.command)()))
        .collect();
    all.push((
        "rgmd".into(),
        <rgmd::options::Options as clap::CommandFactory>::command(),
    ));
    all
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The pages' date: `SOURCE_DATE_EPOCH` (reproducible builds), else the last commit's day.
fn date() -> String {
    if let Some(secs) = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
    {
        return civil_date(secs);
    }
    std::process::Command::new("git")
        .args(["log", "-1", "--format=%cs"])
        .current_dir(workspace_root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// YYYY-MM-DD of a Unix time (UTC).
fn civil_date(secs: u64) -> String {
    rgm_cli::cllog::time::rfc3339(secs)[..10].to_string()
}

fn man(cmd: clap::Command, section: &str, date: &str) -> Man {
    Man::new(cmd)
        .section(section)
        .date(date)
        .source(format!("rgm {}", env!("CARGO_PKG_VERSION")))
        .manual(MANUAL)
}

/// A section clap_mangen renders, as text.
fn render(f: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> Result<String> {
    let mut buf = Vec::new();
    f(&mut buf)?;
    Ok(String::from_utf8(buf)?)
}

/// `.SH X` lines out: a section's body, to go under a heading of ours.
fn body(section: &str) -> String {
    section
        .lines()
        .filter(|l| !l.starts_with(".SH "))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn command_page(doc: &CommandDoc, extra: &str, date: &str) -> Result<String> {
    let mut cmd = (doc.command)().name(doc.name).bin_name(doc.name);
    cmd.build();
    let m = man(cmd.clone(), "1", date);
    let mut page = String::new();
    page += &render(|w| m.render_title(w))?;
    page += &render(|w| m.render_name_section(w))?;
    page += &render(|w| m.render_synopsis_section(w))?;
    page += &render(|w| m.render_description_section(w))?;
    page += &family_description(doc);
    page += &render(|w| m.render_options_section(w))?;
    page += &subcommands(&cmd, date)?;
    page += &exit_status(doc.family);
    page += &environment(doc.family);
    page += &files(doc.family);
    page += extra;
    page += &see_also(doc.name, &doc.family);
    page += &render(|w| m.render_version_section(w))?;
    Ok(page)
}

fn daemon_page(cmd: clap::Command, extra: &str, date: &str) -> Result<String> {
    let m = man(cmd, "8", date);
    let mut page = String::new();
    page += &render(|w| m.render_title(w))?;
    page += &render(|w| m.render_name_section(w))?;
    page += &render(|w| m.render_synopsis_section(w))?;
    page += &render(|w| m.render_description_section(w))?;
    page += &render(|w| m.render_options_section(w))?;
    page += extra;
    page += &see_also("rgmd", &Family::Cl);
    page += &render(|w| m.render_version_section(w))?;
    Ok(page)
}

/// Each subcommand with its synopsis, description and options (clap_mangen would only name
/// pages that do not exist).
fn subcommands(cmd: &clap::Command, date: &str) -> Result<String> {
    let subs: Vec<&clap::Command> = cmd.get_subcommands().filter(|s| !s.is_hide_set()).collect();
    if subs.is_empty() {
        return Ok(String::new());
    }
    let mut out = Roff::new();
    out.control("SH", ["SUBCOMMANDS"]);
    let mut text = out.to_roff();
    for sub in subs {
        let full = format!("{} {}", cmd.get_name(), sub.get_name());
        let mut heading = Roff::new();
        heading.control("SS", [full.as_str()]);
        text += &heading.to_roff();
        // The command's global options (--socket) and -h are said once, above.
        let mut sub = sub.clone();
        let repeated: Vec<String> = sub
            .get_arguments()
            .filter(|a| a.is_global_set() || a.get_id() == "help")
            .map(|a| a.get_id().to_string())
            .collect();
        for id in repeated {
            sub = sub.mut_arg(id, |a| a.hide(true));
        }
        let m = man(sub.clone(), "1", date);
        text += &body(&render(|w| m.render_synopsis_section(w))?);
        text += &paragraph();
        text += &body(&render(|w| m.render_description_section(w))?);
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            text += &paragraph();
            text += &body(&render(|w| m.render_options_section(w))?);
        }
    }
    Ok(text)
}

fn paragraph() -> String {
    Roff::new().control("PP", []).to_roff()
}

/// The conventions a family's pages share, after clap's description.
fn family_description(doc: &CommandDoc) -> String {
    let mut r = Roff::new();
    r.control("PP", []);
    let aliases = doc.aliases.join(", ");
    match doc.family {
        Family::Cl => {
            if !aliases.is_empty() {
                r.text([
                    bold(aliases.as_str()),
                    roman(format!(" is the short name of {}.", doc.name)),
                ]);
                r.control("PP", []);
            }
            r.text([roman(
                "Operands name objects; + means every object of the kind. Read subcommands \
                 (list, show, status, list-props) default to all objects; changes need operands. \
                 -p name=value sets a property, -p name+=value and -p name-=value add elements \
                 to and remove them from a STRINGARRAY, -p \"name{n1,n2}=value\" sets a \
                 per-node value; -p repeats and the edits apply in command-line order. \
                 A change returns once the groups concerned have settled; a refused change \
                 changes nothing, and every reason is printed on stderr.",
            )]);
            r.control("PP", []);
            r.text([roman(
                "Reading (list, show, status) is open to every local user who can reach the \
                 socket; changes need root, rgmd's own user or a member of rgmd's \
                 --admin-group.",
            )]);
        }
        Family::Scha => {
            r.text([roman(
                "For resource type callbacks and fault monitors. The answer is printed one value \
                 per line: an array one element per line, booleans TRUE/FALSE, enums by name, \
                 an unset property nothing. Optags are case-insensitive. \"The local node\" is \
                 the node of the rgmd that answers.",
            )]);
        }
        Family::Cllog => {
            r.text([roman(
                "Reads the JSON form of the cluster log rgmd writes and prints each record as \
                 the human line, filtered by object, message id, severity and time. Every local \
                 user may read the log.",
            )]);
        }
        Family::Rtreg => {
            r.text([roman(
                "Needs no daemon: it reads RTR files (see rt_reg(5)) and reports every problem \
                 as FILE:LINE:COL with the source line.",
            )]);
        }
    }
    r.to_roff()
}

/// EXIT STATUS: the `scha_err_t` numbers this family exits with, and what each means.
fn exit_status(family: Family) -> String {
    if family == Family::Rtreg {
        let mut r = Roff::new();
        r.control("SH", ["EXIT STATUS"]);
        for (code, meaning) in [
            ("0", "every file is valid (warnings allowed)"),
            ("1", "a file is invalid"),
            ("2", "usage error, or a file could not be read"),
        ] {
            r.control("TP", [])
                .text([bold(code)])
                .text([roman(meaning)]);
        }
        return r.to_roff();
    }
    let mut r = Roff::new();
    r.control("SH", ["EXIT STATUS"]);
    r.text([roman(
        "The scha_err_t numbers of Solaris Cluster; help (-h, --help) and --version exit 0. \
         A status the daemon refuses with that is not listed here is passed through unchanged.",
    )]);
    for s in EXIT_STATUSES {
        let meaning = s.meaning(family).unwrap_or("not used by this command");
        r.control("TP", []);
        r.text([
            bold(s.code.number().to_string()),
            roman(" ("),
            roman(s.code.symbol()),
            roman(")"),
        ]);
        r.text([roman(meaning)]);
    }
    r.to_roff()
}

fn environment(family: Family) -> String {
    let mut vars: Vec<(&str, &str)> = Vec::new();
    if family != Family::Rtreg {
        vars.push((
            "RGM_SOCKET",
            "The rgmd socket, when --socket is not given (default /run/rgm/rgmd.sock).",
        ));
    }
    match family {
        Family::Cl => vars.push((
            "RGM_RTR_PATH",
            "clresourcetype register: directories (colon-separated) searched first for an RTR \
             file named like the type.",
        )),
        Family::Cllog => vars.push((
            "RGM_STATE_DIR",
            "The daemon's state directory, when --state-dir is not given; without either, cllog \
             asks the running rgmd where its log is, else reads /var/lib/rgm.",
        )),
        Family::Scha | Family::Rtreg => {}
    }
    if vars.is_empty() {
        return String::new();
    }
    let mut r = Roff::new();
    r.control("SH", ["ENVIRONMENT"]);
    for (name, what) in vars {
        r.control("TP", []).text([bold(name)]).text([roman(what)]);
    }
    r.to_roff()
}

fn files(family: Family) -> String {
    let mut list: Vec<(&str, &str)> = Vec::new();
    match family {
        Family::Cl | Family::Scha => list.push(("/run/rgm/rgmd.sock", "rgmd's socket.")),
        Family::Cllog => {
            list.push((
                "/var/lib/rgm/cluster.log.json",
                "The cluster log's JSON lines (and .1 to .5, older).",
            ));
            list.push((
                "/var/lib/rgm/cluster.log",
                "The same records as human lines.",
            ));
        }
        Family::Rtreg => {}
    }
    if family == Family::Cl || family == Family::Rtreg {
        list.push((
            "/etc/rgm/rt_reg",
            "RTR files of the site's resource types, searched by clresourcetype register.",
        ));
        list.push((
            "/usr/lib/rgm/rt_reg",
            "RTR files of rgm's built-in resource types.",
        ));
    }
    let mut r = Roff::new();
    r.control("SH", ["FILES"]);
    for (path, what) in list {
        r.control("TP", []).text([italic(path)]).text([roman(what)]);
    }
    r.to_roff()
}

fn see_also(this: &str, _family: &Family) -> String {
    let mut refs: Vec<String> = rgm_cli::manual::commands()
        .iter()
        .filter(|c| c.name != this)
        .map(|c| format!("{}(1)", c.name))
        .collect();
    refs.extend(["hatimerun(1)", "rt_reg(5)", "rgmd(8)"].map(String::from));
    refs.retain(|r| !r.starts_with(&format!("{this}(")));
    let mut r = Roff::new();
    r.control("SH", ["SEE ALSO"]);
    let mut line = String::new();
    for (i, reference) in refs.iter().enumerate() {
        let _ = write!(line, "{}{reference}", if i > 0 { ", " } else { "" });
    }
    r.text([roman(line)]);
    r.to_roff()
}

/// A page from a help text laid out as a man page (`NAME` headings at the margin, text
/// indented, option lines starting with `-`, EXIT STATUS rows as `N   meaning`).
fn help_page(name: &str, section: u8, help: &str, date: &str) -> String {
    let mut r = Roff::new();
    let title = name.to_uppercase();
    let source = format!("rgm {}", env!("CARGO_PKG_VERSION"));
    let section = section.to_string();
    r.control("TH", [title.as_str(), &section, date, &source, MANUAL]);
    let mut heading = String::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let flush = |r: &mut Roff, p: &mut Vec<&str>| {
        if !p.is_empty() {
            r.text([roman(p.join(" "))]);
            p.clear();
        }
    };
    for line in help.lines() {
        let text = line.trim();
        if !line.starts_with(' ') && !text.is_empty() {
            flush(&mut r, &mut paragraph);
            heading = text.to_string();
            r.control("SH", [text]);
            continue;
        }
        if text.is_empty() {
            flush(&mut r, &mut paragraph);
            if heading == "DESCRIPTION" {
                r.control("PP", []);
            }
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        match heading.as_str() {
            "SYNOPSIS" | "EXAMPLES" => {
                r.text([roman(text)]);
                r.control("br", []);
            }
            "OPTIONS" if indent <= 5 && text.starts_with('-') => {
                flush(&mut r, &mut paragraph);
                r.control("TP", []).text([bold(text)]);
            }
            "EXIT STATUS" => {
                let (code, meaning) = text.split_once("  ").unwrap_or((text, ""));
                r.control("TP", [])
                    .text([bold(code)])
                    .text([roman(meaning.trim())]);
            }
            _ => paragraph.push(text),
        }
    }
    flush(&mut r, &mut paragraph);
    r.to_roff()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_civil() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(1_709_251_200), "2024-03-01");
        assert_eq!(civil_date(951_782_400), "2000-02-29");
    }
}
