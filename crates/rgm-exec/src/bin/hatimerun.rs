//! `hatimerun`: run a program under a timeout. See `hatimerun --help` and
//! [`rgm_exec::hatimerun`].

fn main() {
    std::process::exit(rgm_exec::hatimerun::main());
}
