fn main() -> std::process::ExitCode {
    relsync::app::main()
}
