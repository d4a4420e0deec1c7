using Afirgen.TaskProcessor.Cli.LocalHost;
using System.CommandLine;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Redis;
using Afirgen.TaskProcessor.RedisBroker.Connection;

namespace Afirgen.TaskProcessor.Cli.Commands;

/// <summary><c>afirgen-tasks run</c>: the local host (what <c>celery worker</c> was, plus the API).</summary>
internal static class RunCommand
{
    /// <param name="configure">Adds to the local host before it is built (a test worker's extra tasks); null for the real one.</param>
    public static Command Create(Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configure = null)
    {
        var queues = new Option<string?>("--queues", "-Q") { Description = "Comma-separated queues to consume (Celery's -Q); default: all." };
        var concurrency = new Option<int?>("--concurrency", "-c") { Description = "Tasks run at once (default 4; 1 = Celery's solo pool)." };
        var prefetch = new Option<int?>("--prefetch-multiplier") { Description = "Messages held per queue = concurrency × this (default 4)." };
        var redis = new Option<string?>("--redis") { Description = "Redis for results, e.g. localhost:6379; unless --broker says otherwise, the queues live there too, in database 1." };
        var urls = new Option<string?>("--urls") { Description = "Where the HTTP API listens (default http://127.0.0.1:7071)." };
        var hostname = new Option<string?>("--hostname", "-n") { Description = "This worker's name in monitoring (Celery's -n); default afirgen-tasks-<pid>@<host>." };
        var broker = new Option<string?>("--broker")
        {
            Description = "Celery's Redis broker, as Celery writes its URL (e.g. redis://localhost:6379/1); default: database 1 of the --redis server. " +
                "'memory' keeps the queues in this process's memory instead (lost on exit; for tests and quick tries).",
        };

        var command = new Command("run", "Run workers for all queues (or -Q) on Celery's Redis broker (durable; --broker memory for an in-memory one), with the HTTP API.")
        {
            queues, concurrency, prefetch, redis, urls, hostname, broker,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var overrides = new Dictionary<string, string?>();
            if (parse.GetValue(queues) is { } q)
            {
                var names = q.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                for (var i = 0; i < names.Length; i++)
                {
                    overrides[$"{WorkerOptions.Section}:Queues:{i}"] = names[i];
                }
            }
            if (parse.GetValue(concurrency) is { } c) overrides[$"{WorkerOptions.Section}:Concurrency"] = c.ToString();
            if (parse.GetValue(prefetch) is { } p) overrides[$"{WorkerOptions.Section}:PrefetchMultiplier"] = p.ToString();
            if (parse.GetValue(redis) is { } r) overrides[$"{RedisOptions.Section}:Configuration"] = r;
            if (parse.GetValue(urls) is { } u) overrides[$"{LocalHostOptions.Section}:Urls"] = u;
            if (parse.GetValue(hostname) is { } n) overrides[$"{WorkerOptions.Section}:Name"] = n;
            if (parse.GetValue(broker) is { } b)
            {
                AddBrokerOverrides(overrides, b);
            }
            return await RunHostAsync(overrides, configure, cancellationToken);
        });
        return command;
    }

    /// <summary>The settings that <c>--broker</c> stands for: the in-memory broker, or Celery's Redis broker at a URL checked here.</summary>
    private static void AddBrokerOverrides(Dictionary<string, string?> overrides, string b)
    {
        if (LocalBroker.IsMemory(b))
        {
            overrides[$"{LocalHostOptions.Section}:Broker"] = LocalBroker.Memory;
        }
        else
        {
            try
            {
                RedisBrokerUrl.Parse(b);
            }
            catch (FormatException ex)
            {
                throw new CliException($"--broker: {ex.Message} Or pass --broker memory for an in-memory broker (lost on exit).");
            }
            overrides[$"{LocalHostOptions.Section}:Broker"] = LocalBroker.Redis;
            overrides[$"{RedisBrokerOptions.Section}:Url"] = b;
        }
    }

    /// <summary>Builds the local host with <paramref name="overrides"/>, says which broker it uses and what an exit costs, and runs it until stopped.</summary>
    private static async Task<int> RunHostAsync(Dictionary<string, string?> overrides,
        Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? configure, CancellationToken cancellationToken)
    {
        await using var app = LocalHostApp.Build(overrides, configure);
        var listenOn = app.Configuration[$"{LocalHostOptions.Section}:Urls"];
        var chosen = LocalBroker.Resolve(app.Configuration);
        if (chosen.Problem is { } problem)
        {
            throw new CliException(problem);
        }
        // One line on what an exit costs, before anything else is logged.
        await Console.Error.WriteLineAsync(chosen.InMemory
            ? "afirgen-tasks: broker: in this process's memory (--broker memory): every waiting, scheduled and held task is lost when it exits. Leave out --broker memory for the durable default."
            : $"afirgen-tasks: broker: Celery's Redis transport at {RedisBrokerUrl.Parse(chosen.RedisUrl).ToString()}: queued, scheduled and held tasks stay in that Redis when this process exits or dies, and are picked up again on the next start.");
        if (await StartupChecks.UnreachableRedisAsync(app.Configuration, chosen) is { } unreachable)
        {
            await Console.Error.WriteLineAsync($"afirgen-tasks: {unreachable}");
        }
        // Checked before the host starts, so that a refusal is one sentence and not the host's stack trace first.
        if (StartupChecks.AddressInUse(listenOn ?? "") is { } inUse)
        {
            throw new CliException(inUse);
        }
        ValidateOptions(app.Services);
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var at = app.Urls.FirstOrDefault() ?? listenOn;
            Console.WriteLine($"afirgen-tasks: ready: dashboard {at}/ , API {at}/api/ ; Ctrl+C stops (running tasks finish, the rest goes back to the broker).");
        });
        try
        {
            await app.RunAsync(cancellationToken);
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException ex)
        {
            throw Invalid(ex);
        }
        catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            throw new CliException($"Cannot listen on {listenOn}: the address is in use (is another `afirgen-tasks run` running?). Stop it, or pass --urls http://127.0.0.1:<port>.");
        }
        return 0;
    }

    /// <summary>Runs the options checks the host would run at start, so their failure is a sentence before anything starts.</summary>
    private static void ValidateOptions(IServiceProvider services)
    {
        try
        {
            (services.GetService(typeof(Microsoft.Extensions.Options.IStartupValidator)) as Microsoft.Extensions.Options.IStartupValidator)?.Validate();
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException ex)
        {
            throw Invalid(ex);
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is Microsoft.Extensions.Options.OptionsValidationException))
        {
            throw new CliException($"The configuration is invalid, so nothing was started: {string.Join(" ", ex.InnerExceptions.Cast<Microsoft.Extensions.Options.OptionsValidationException>().SelectMany(e => e.Failures))}");
        }
    }

    private static CliException Invalid(Microsoft.Extensions.Options.OptionsValidationException ex) =>
        new($"The configuration is invalid, so nothing was started: {string.Join(" ", ex.Failures)}");
}
