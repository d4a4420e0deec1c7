// Placeholder entry point; the command line arrives with the local host.
return 0;
