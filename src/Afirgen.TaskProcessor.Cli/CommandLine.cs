using System.CommandLine;
using Afirgen.TaskProcessor.Cli.Bench;
using Afirgen.TaskProcessor.Cli.Commands;
using Microsoft.AspNetCore.Builder;

namespace Afirgen.TaskProcessor.Cli;

/// <summary><c>afirgen-tasks</c>'s command line: every command, parsed and run, with its errors as one sentence and an exit code.</summary>
public static class CommandLine
{
    /// <summary>Runs the command <paramref name="args"/> name and returns the process's exit code.</summary>
    /// <param name="args">The command line, as given to the process.</param>
    /// <param name="configureHost">
    /// Adds to the local host that <c>run</c> builds, before it is built: a test worker's extra tasks, so that a fault
    /// suite runs the host exactly as <c>run</c> starts it. Null for <c>afirgen-tasks</c> itself.
    /// </param>
    public static async Task<int> RunAsync(string[] args, Action<WebApplicationBuilder>? configureHost = null)
    {
        var root = new RootCommand("afirgen-tasks: AFIRGen's background task processor (the Celery replacement), run locally.")
        {
            RunCommand.Create(configureHost),
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
            // No response files: '@file' is an ordinary value here (a JSON argument may begin with '@'); large kwargs
            // come from --kwargs-file.
            var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
            if (parsed.Errors.Count > 0 && parsed.Action is not System.CommandLine.Help.HelpAction)
            {
                await Console.Error.WriteLineAsync($"afirgen-tasks: {ParseProblem(parsed)} Run `afirgen-tasks --help` (or `afirgen-tasks <command> --help`) for what it takes.");
                return 1;
            }
            // The host handles Ctrl+C itself (stop receiving, give back what has not started, drain within the grace
            // period, then abandon), so the command line must not kill the process on its own short timeout.
            return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
        }
        catch (CliException ex)
        {
            await Console.Error.WriteLineAsync($"afirgen-tasks: {ex.Message}");
            return ex.ExitCode;
        }
    }

    /// <summary>
    /// One sentence for what was wrong with the command line: an unknown command is said as such (not also as a
    /// missing one), otherwise the parser's own messages.
    /// </summary>
    private static string ParseProblem(ParseResult parsed)
    {
        var commands = string.Join(", ", parsed.RootCommandResult.Command.Subcommands.Select(c => c.Name));
        if (parsed.CommandResult.Command is RootCommand)
        {
            var unknown = parsed.UnmatchedTokens is [var first, ..] ? first : null;
            return unknown is null
                ? $"No command was given; the commands are {commands}."
                : $"'{unknown}' is not a command; the commands are {commands}.";
        }
        return string.Join(" ", parsed.Errors.Select(e => e.Message.TrimEnd('.') + "."));
    }
}
