return await Afirgen.TaskProcessor.Cli.CommandLine.RunAsync(args);
