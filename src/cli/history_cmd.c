int pl_cli_history(int argc, char **argv);
int pl_cli_history(int argc, char **argv) { (void)argc; (void)argv; return 2; }
