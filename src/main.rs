fn main() -> std::process::ExitCode {
    kezek::cli::main()
}
