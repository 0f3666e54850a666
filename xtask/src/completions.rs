//! Shell completions for bash, zsh and fish: clap_complete's scripts, generated from the clap
//! definitions the binaries parse with, for each command and each alias, plus completion of
//! object names. Where an option takes a group, resource, type or node (its value name says
//! which: `GROUP`, `RESOURCE`, `TYPE`, `NODE`) or an operand names existing objects
//! (`+|GROUP`), the script asks the command itself, `CMD __complete KIND`, which asks the
//! running rgmd with a short timeout and prints nothing on failure (`rgm_cli::complete`).

use clap_complete::Shell;

/// One script, installed under its shell's directory as `file_name`.
#[derive(Debug, Clone)]
pub struct Script {
    pub shell: Shell,
    pub file_name: String,
    pub text: String,
}

/// The shells rgm ships completions for.
pub const SHELLS: &[Shell] = &[Shell::Bash, Shell::Zsh, Shell::Fish];

/// Every script: each shell, each command and alias.
pub fn scripts() -> Vec<Script> {
    let mut out = Vec::new();
    for doc in rgm_cli::manual::commands() {
        let names = std::iter::once(doc.name).chain(doc.aliases.iter().copied());
        for name in names {
            let cmd = (doc.command)().name(name).bin_name(name);
            for shell in SHELLS {
                out.push(script(*shell, cmd.clone(), name));
            }
        }
    }
    out
}

/// The script for one command name.
pub fn script(shell: Shell, mut cmd: clap::Command, name: &str) -> Script {
    cmd.build();
    let objects = Objects::of(&cmd);
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd.clone(), name, &mut buf);
    let generated = String::from_utf8_lossy(&buf).into_owned();
    let (file_name, text) = match shell {
        Shell::Bash => (name.to_string(), bash(&generated, name, &cmd, &objects)),
        Shell::Zsh => (format!("_{name}"), zsh(&generated, name, &objects)),
        _ => (format!("{name}.fish"), fish(&generated, name, &objects)),
    };
    Script {
        shell,
        file_name,
        text,
    }
}

/// An option or operand that names objects.
#[derive(Debug, Clone)]
struct Named {
    /// The subcommand it belongs to (`None`: the command itself).
    sub: Option<String>,
    short: Option<char>,
    long: Option<String>,
    /// `groups`, `resources`, `types`, `nodes`; `+` first when `+` may stand for all.
    kind: String,
}

#[derive(Debug, Default)]
struct Objects {
    options: Vec<Named>,
    operands: Vec<Named>,
    /// Every option that takes a value, per subcommand, as typed (`-p`, `--property`).
    valued: Vec<(Option<String>, String)>,
}

impl Objects {
    fn of(cmd: &clap::Command) -> Objects {
        let mut o = Objects::default();
        o.add(None, cmd);
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            o.add(Some(sub.get_name().to_string()), sub);
        }
        o
    }

    fn add(&mut self, sub: Option<String>, cmd: &clap::Command) {
        for arg in cmd.get_arguments() {
            let takes_value = arg.get_num_args().is_some_and(|n| n.takes_values());
            if !takes_value {
                continue;
            }
            if !arg.is_positional() {
                let spelled = arg
                    .get_short()
                    .map(|s| format!("-{s}"))
                    .into_iter()
                    .chain(arg.get_long().map(|l| format!("--{l}")));
                self.valued.extend(spelled.map(|s| (sub.clone(), s)));
            }
            let Some(value_name) = arg.get_value_names().and_then(|v| v.first()) else {
                continue;
            };
            let Some(kind) = kind_of(value_name.as_str(), arg.is_positional()) else {
                continue;
            };
            let named = Named {
                sub: sub.clone(),
                short: arg.get_short(),
                long: arg.get_long().map(str::to_string),
                kind,
            };
            if arg.is_positional() {
                self.operands.push(named);
            } else {
                self.options.push(named);
            }
        }
    }
}

/// The kind of objects a value names. An operand completes only when it names existing
/// objects (`+|GROUP`): `create`'s operands are new names.
fn kind_of(value_name: &str, positional: bool) -> Option<String> {
    let (plus, name) = match value_name.strip_prefix("+|") {
        Some(rest) => (true, rest),
        None => (false, value_name),
    };
    if positional && !plus {
        return None;
    }
    let kind = match name.trim_end_matches('S') {
        "GROUP" => "groups",
        "RESOURCE" => "resources",
        "TYPE" => "types",
        "NODE" => "nodes",
        _ => return None,
    };
    Some(if plus {
        format!("+{kind}")
    } else {
        kind.into()
    })
}

fn has_subcommands(cmd: &clap::Command) -> bool {
    cmd.get_subcommands().next().is_some()
}

fn fn_name(name: &str) -> String {
    name.replace('-', "_")
}

/// bash: clap's function, and in front of it ours, which answers for object names from the
/// line up to the cursor (so `TYPE:1` is one word) and hands everything else to clap's.
fn bash(generated: &str, name: &str, cmd: &clap::Command, o: &Objects) -> String {
    let f = fn_name(name);
    let mut s = generated.to_string();
    let global_valued: Vec<&str> = o
        .valued
        .iter()
        .filter(|(sub, _)| sub.is_none())
        .map(|(_, opt)| opt.as_str())
        .collect();
    let case_of = |sub: &Option<String>, opt: &str| match sub {
        Some(sub) => format!("\"{sub} {opt}\""),
        None => format!("*\" {opt}\""),
    };
    let mut option_cases = String::new();
    for n in &o.options {
        let spelled = n
            .short
            .map(|c| format!("-{c}"))
            .into_iter()
            .chain(n.long.as_ref().map(|l| format!("--{l}")));
        let pats: Vec<String> = spelled.map(|opt| case_of(&n.sub, &opt)).collect();
        option_cases += &format!("        {}) kind={} ;;\n", pats.join("|"), n.kind);
    }
    let valued_pats: Vec<String> = o
        .valued
        .iter()
        .map(|(sub, opt)| case_of(sub, opt))
        .collect();
    let mut operand_cases = String::new();
    for n in &o.operands {
        let pat = n.sub.clone().unwrap_or_else(|| "*".into());
        operand_cases += &format!("            {pat}) kind={} ;;\n", n.kind);
    }
    let find_sub = if has_subcommands(cmd) {
        let skip = if global_valued.is_empty() {
            String::new()
        } else {
            format!("            {}) ((i++)) ;;\n", global_valued.join("|"))
        };
        format!(
            "    for ((i = 1; i < ${{#w[@]}} - 1; i++)); do\n        case \"${{w[i]}}\" in\n{skip}            -*) ;;\n            *) sub=\"${{w[i]}}\"; break ;;\n        esac\n    done\n"
        )
    } else {
        String::new()
    };
    s += &format!(
        r#"
# Object names (groups, resources, types, nodes) from the running rgmd.
_rgm_{f}() {{
    local line="${{COMP_LINE:0:COMP_POINT}}" cur prev sub="" kind="" i
    local -a w
    read -ra w <<<"$line"
    [[ $line == *[[:space:]] ]] && w+=("")
    cur="${{w[${{#w[@]}}-1]}}"
    prev="${{w[${{#w[@]}}-2]}}"
{find_sub}    case "$sub $prev" in
{option_cases}    esac
    if [[ -z $kind && $cur != -* ]]; then
        case "$sub $prev" in
        {valued}) ;;
        *)
            case "$sub" in
{operand_cases}            esac
            ;;
        esac
    fi
    if [[ -z $kind ]]; then
        _{f} "$@"
        return
    fi
    local names
    names="$("${{COMP_WORDS[0]}}" __complete "${{kind#+}}" 2>/dev/null)"
    [[ $kind == +* ]] && names+=$'\n+'
    local IFS=$'\n'
    COMPREPLY=($(compgen -W "$names" -- "$cur"))
    # bash splits words at ':' (TYPE:VERSION): offer only what follows the last one typed.
    if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
        local colon="${{cur%"${{cur##*:}}"}}"
        COMPREPLY=("${{COMPREPLY[@]#"$colon"}}")
    fi
}}
complete -F _rgm_{f} -o bashdefault -o default {name}
"#,
        valued = if valued_pats.is_empty() {
            "\"\"".to_string()
        } else {
            valued_pats.join("|")
        },
    );
    s
}

/// zsh: clap's `_arguments` specs, with `_default` replaced by our name lister where the value
/// names objects (an option's `:NODE:` or, per subcommand, its operands).
fn zsh(generated: &str, name: &str, o: &Objects) -> String {
    let f = format!("_rgm_{}_names", fn_name(name));
    let mut out = String::new();
    let mut sub: Option<String> = None;
    let mut in_help = false;
    for line in generated.lines() {
        let t = line.trim();
        if t.starts_with("(help)") {
            in_help = true;
        }
        if let Some(s) = t.strip_prefix('(').and_then(|t| t.strip_suffix(')'))
            && !s.contains(' ')
            && !in_help
        {
            sub = Some(s.to_string());
        }
        let mut line = line.to_string();
        for n in o.options.iter().filter(|n| n.sub == sub || n.sub.is_none()) {
            let value = value_spec(n);
            for flag in option_flags(n) {
                if line.starts_with(&format!("'{flag}")) || line.starts_with(&format!("'*{flag}")) {
                    line = line.replace(
                        &format!(":{value}:_default'"),
                        &format!(":{value}:{f} {}'", n.kind),
                    );
                }
            }
        }
        if line.starts_with("'*::")
            && line.ends_with(":_default' \\")
            && let Some(n) = o.operands.iter().find(|n| n.sub == sub)
        {
            line = line.replace(":_default' \\", &format!(":{f} {}' \\", n.kind));
        }
        out += &line;
        out.push('\n');
    }
    // The lister goes before the dispatch at the end of clap's script.
    let lister = format!(
        r#"(( $+functions[{f}] )) ||
{f}() {{
    local -a names
    names=(${{(f)"$({name} __complete ${{1#+}} 2>/dev/null)"}})
    [[ $1 == +* ]] && names+=(+)
    compadd -a names
}}

"#
    );
    match out.rfind("if [ \"$funcstack[1]\"") {
        Some(at) => out.insert_str(at, &lister),
        None => out += &lister,
    }
    out
}

fn value_spec(n: &Named) -> String {
    match n.kind.trim_start_matches('+') {
        "groups" => "GROUP",
        "resources" => "RESOURCE",
        "types" => "TYPE",
        _ => "NODE",
    }
    .to_string()
}

fn option_flags(n: &Named) -> Vec<String> {
    n.short
        .map(|c| format!("-{c}"))
        .into_iter()
        .chain(n.long.as_ref().map(|l| format!("--{l}")))
        .collect()
}

/// fish: clap's rules, with object-naming options made to list names instead of files, and
/// a rule per subcommand for its operands.
fn fish(generated: &str, name: &str, o: &Objects) -> String {
    let using = |sub: &Option<String>| {
        sub.as_ref()
            .map(|s| format!("__fish_{}_using_subcommand {s}", fn_name(name)))
    };
    let mut out = String::new();
    for line in generated.lines() {
        let mut line = line.to_string();
        for n in &o.options {
            let condition_ok = match using(&n.sub) {
                Some(c) => line.contains(&format!("-n \"{c}\"")),
                None => true,
            };
            let flag_ok = n
                .long
                .as_ref()
                .is_some_and(|l| line.contains(&format!(" -l {l} ")))
                || n.short.is_some_and(|c| line.contains(&format!(" -s {c} ")));
            if line.starts_with("complete ") && condition_ok && flag_ok && line.ends_with(" -r") {
                line += &format!(" -f -a \"({name} __complete {} 2>/dev/null)\"", n.kind);
            }
        }
        out += &line;
        out.push('\n');
    }
    for n in &o.operands {
        let plus = if n.kind.starts_with('+') { "+ " } else { "" };
        let condition = using(&n.sub)
            .map(|c| format!(" -n \"{c}\""))
            .unwrap_or_default();
        out += &format!(
            "complete -c {name}{condition} -f -a \"{plus}({name} __complete {} 2>/dev/null)\"\n",
            n.kind.trim_start_matches('+')
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use rgm_e2e::Cluster;

    use super::*;

    fn command(name: &'static str) -> clap::Command {
        let doc = rgm_cli::manual::commands()
            .into_iter()
            .find(|c| c.name == name || c.aliases.contains(&name))
            .unwrap();
        (doc.command)().name(name).bin_name(name)
    }

    /// A cluster with two groups and a node, and the script for `name` in a file.
    fn setup(shell: Shell, name: &'static str) -> (Cluster, tempfile::NamedTempFile) {
        let c = Cluster::start();
        c.ok("clresourcegroup", &["create", "web-rg"]);
        c.ok("clresourcegroup", &["create", "db-rg"]);
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), script(shell, command(name), name).text).unwrap();
        (c, file)
    }

    fn shell(c: &Cluster, program: &str, code: &str) -> String {
        let path = format!(
            "{}:{}",
            c.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let out = Command::new(program)
            .args(["-c", code])
            .env("PATH", path)
            .env("RGM_SOCKET", c.socket())
            .output()
            .unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{program}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// What bash offers for the line (the cursor at its end).
    fn bash_offers(c: &Cluster, file: &std::path::Path, name: &str, line: &str) -> Vec<String> {
        let code = format!(
            r#"source {file}
COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}
read -ra COMP_WORDS <<<"$COMP_LINE"; [[ $COMP_LINE == *' ' ]] && COMP_WORDS+=('')
COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1))
_rgm_{f} {name} "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#,
            file = file.display(),
            f = fn_name(name),
        );
        shell(c, "bash", &code)
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn bash_completes_names_from_the_running_rgmd() {
        let (c, file) = setup(Shell::Bash, "clrg");
        let offers = |line: &str| bash_offers(&c, file.path(), "clrg", line);
        assert_eq!(offers("clrg online w"), ["web-rg"]);
        assert_eq!(offers("clrg offline "), ["db-rg", "web-rg", "+"]);
        assert_eq!(offers("clrg online -n "), ["node1"]);
        assert_eq!(offers("clrg status -o json d"), ["db-rg"]);
        // Subcommands and options are clap's.
        assert!(offers("clrg onl").contains(&"online".to_string()));
        assert!(offers("clrg online --ma").contains(&"--manage".to_string()));
        // create names a new group: nothing to offer from the cluster.
        assert!(!offers("clrg create ").contains(&"web-rg".to_string()));
        // Without rgmd, nothing, and no complaint.
        let nothing = Command::new("bash")
            .args(["-c", &format!("source {}; COMP_LINE='clrg online '; COMP_POINT=13; COMP_WORDS=(clrg online ''); COMP_CWORD=2; _rgm_clrg clrg '' online; printf '%s\\n' \"${{COMPREPLY[@]}}\"", file.path().display())])
            .env("PATH", format!("{}:/usr/bin:/bin", c.bin.display()))
            .env("RGM_SOCKET", c.dir.path().join("none.sock"))
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&nothing.stdout).trim(), "+");
        assert!(nothing.stderr.is_empty());
    }

    #[test]
    fn bash_completes_type_names_across_the_colon_and_resource_options() {
        let (c, _) = setup(Shell::Bash, "clrg");
        let rtr = c.dir.path().join("TEST.rec");
        std::fs::write(
            &rtr,
            "RESOURCE_TYPE = rec; VENDOR_ID = TEST; RT_VERSION = \"1\"; RT_BASEDIR = /bin;\n\
             START = true; STOP = true;\n",
        )
        .unwrap();
        c.ok(
            "clresourcetype",
            &["register", "-f", &rtr.to_string_lossy()],
        );
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(
            file.path(),
            script(Shell::Bash, command("clrt"), "clrt").text,
        )
        .unwrap();
        // bash splits TEST.rec:1 at the colon: only what follows it is offered.
        assert_eq!(
            bash_offers(&c, file.path(), "clrt", "clrt show TEST.rec:"),
            ["1"]
        );
        assert_eq!(
            bash_offers(&c, file.path(), "clrt", "clrt show TE"),
            ["TEST.rec:1"]
        );
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(
            file.path(),
            script(Shell::Bash, command("clrs"), "clrs").text,
        )
        .unwrap();
        assert_eq!(
            bash_offers(&c, file.path(), "clrs", "clrs create -g we"),
            ["web-rg"]
        );
        assert_eq!(
            bash_offers(&c, file.path(), "clrs", "clrs create -t "),
            ["TEST.rec:1"]
        );
        let file = tempfile::NamedTempFile::new().unwrap();
        let name = "scha_resourcegroup_get";
        std::fs::write(file.path(), script(Shell::Bash, command(name), name).text).unwrap();
        assert_eq!(
            bash_offers(
                &c,
                file.path(),
                name,
                "scha_resourcegroup_get -O NODELIST -G d"
            ),
            ["db-rg"]
        );
    }

    #[test]
    fn fish_completes_names_from_the_running_rgmd() {
        let (c, file) = setup(Shell::Fish, "clrg");
        let complete = |line: &str| {
            shell(
                &c,
                "fish",
                &format!(
                    "source {}; complete --do-complete '{line}'",
                    file.path().display()
                ),
            )
        };
        let groups = complete("clrg online ");
        assert!(groups.lines().any(|l| l.starts_with("web-rg")), "{groups}");
        assert!(groups.lines().any(|l| l.starts_with("db-rg")), "{groups}");
        let nodes = complete("clrg online -n ");
        assert!(nodes.lines().any(|l| l.starts_with("node1")), "{nodes}");
        assert!(!nodes.contains("web-rg"), "{nodes}");
    }

    #[test]
    fn zsh_lists_names_where_an_argument_names_objects() {
        let (c, file) = setup(Shell::Zsh, "clrg");
        let text = std::fs::read_to_string(file.path()).unwrap();
        assert!(text.contains(":NODE:_rgm_clrg_names nodes'"), "{text}");
        assert!(
            text.contains("for every group:_rgm_clrg_names +groups'"),
            "{text}"
        );
        // The lister itself, with compadd standing in for the completion system.
        let listed = shell(
            &c,
            "zsh",
            &format!(
                "compdef() {{ : }}; compadd() {{ print -l -- ${{(P)2}} }}; source {}; _rgm_clrg_names +groups",
                file.path().display()
            ),
        );
        assert_eq!(listed.lines().collect::<Vec<_>>(), ["db-rg", "web-rg", "+"]);
    }
}
