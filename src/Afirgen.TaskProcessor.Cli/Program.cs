using System.CommandLine;
using Afirgen.TaskProcessor.Cli.Bench;
using Afirgen.TaskProcessor.Cli.Commands;

var root = new RootCommand("afirgen-tasks: AFIRGen's background task processor (the Celery replacement), run locally.")
{
    RunCommand.Create(),
    EnqueueCommand.Create(),
    StatusCommand.Create(),
    RevokeCommand.Create(),
    ReconcileCommand.Create(),
    InspectCommand.Create(),
    DeadLettersCommand.Create(),
    BenchCommand.Create(),
};

try
{
    // The host handles Ctrl+C itself (stop receiving, drain within the grace period, then abandon),
    // so the command line must not kill the process on its own short timeout.
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
}
catch (CliException ex)
{
    Console.Error.WriteLine($"afirgen-tasks: {ex.Message}");
    return ex.ExitCode;
}
