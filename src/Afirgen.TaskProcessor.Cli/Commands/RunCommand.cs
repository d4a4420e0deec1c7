using System.CommandLine;
using Afirgen.TaskProcessor.Cli.LocalHost;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.RedisBroker.Connection;

namespace Afirgen.TaskProcessor.Cli.Commands;

/// <summary><c>afirgen-tasks run</c>: the local host (what <c>celery worker</c> was, plus the API).</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var queues = new Option<string?>("--queues", "-Q") { Description = "Comma-separated queues to consume (Celery's -Q); default: all." };
        var concurrency = new Option<int?>("--concurrency", "-c") { Description = "Tasks run at once (default 4; 1 = Celery's solo pool)." };
        var prefetch = new Option<int?>("--prefetch-multiplier") { Description = "Messages held per queue = concurrency × this (default 4)." };
        var redis = new Option<string?>("--redis") { Description = "Redis for results, e.g. localhost:6379 (default: in memory, development only)." };
        var urls = new Option<string?>("--urls") { Description = "Where the HTTP API listens (default http://127.0.0.1:7071)." };
        var hostname = new Option<string?>("--hostname", "-n") { Description = "This worker's name in monitoring (Celery's -n); default afirgen-tasks-<pid>@<host>." };
        var broker = new Option<string?>("--broker")
        {
            Description = "Celery's Redis broker to consume, as Celery writes its URL (e.g. redis://localhost:6379/1); default: the embedded broker, development only.",
        };

        var command = new Command("run", "Run workers for all queues (or -Q) on the embedded broker (or Celery's Redis broker with --broker), with the HTTP API.")
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
                try
                {
                    RedisBrokerUrl.Parse(b);
                }
                catch (FormatException ex)
                {
                    throw new CliException($"--broker: {ex.Message}");
                }
                overrides[$"{RedisBrokerOptions.Section}:Url"] = b;
            }

            await using var app = LocalHostApp.Build(overrides);
            var listenOn = app.Configuration[$"{LocalHostOptions.Section}:Urls"];
            if (!LocalEngineRegistration.UsesRedisBroker(app.Configuration))
            {
                Console.Error.WriteLine("afirgen-tasks: the embedded broker keeps queues in this process's memory. It is for development and tests, not production: use the Functions app on Service Bus there, or --broker redis://… for Celery's Redis broker.");
            }
            try
            {
                await app.RunAsync(cancellationToken);
            }
            catch (Microsoft.Extensions.Options.OptionsValidationException ex)
            {
                throw new CliException($"The configuration is invalid, so nothing was started: {string.Join(" ", ex.Failures)}");
            }
            catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
                throw new CliException($"Cannot listen on {listenOn}: the address is in use (is another `afirgen-tasks run` running?). Stop it, or pass --urls http://127.0.0.1:<port>.");
            }
            return 0;
        });
        return command;
    }
}
