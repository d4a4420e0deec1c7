using Afirgen.TaskProcessor.Engine.Hosting;
using System.CommandLine;
using System.Text.Json;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Redis;
using Afirgen.TaskProcessor.StatusMirror;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Cli.Commands;

/// <summary>
/// <c>afirgen-tasks reconcile</c>: brings AFIRGen's <c>background_tasks</c> in line with the results in
/// Redis, for rows the status mirror could not write (the database was down, or its queue overflowed).
/// Connects to MySQL and Redis directly, with the same settings as the workers.
/// </summary>
internal static class ReconcileCommand
{
    public static Command Create()
    {
        var mysql = new Option<string?>("--mysql") { Description = "AFIRGen's MySQL connection string (default: TaskProcessor:StatusMirror:ConnectionString or Afirgen:Database:ConnectionString)." };
        var redis = new Option<string?>("--redis") { Description = "The Redis that holds results, e.g. localhost:6379 (default: TaskProcessor:Redis:Configuration)." };
        var window = new Option<double?>("--window-hours") { Description = "Look at open rows created this many hours back (default: TaskProcessor:StatusMirror:ReconcileWindow, 2 h)." };
        var json = CliOptions.Json();
        var command = new Command("reconcile", "Repair background_tasks rows from the results in Redis.") { mysql, redis, window, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
            var overrides = new Dictionary<string, string?>();
            if (parse.GetValue(mysql) is { } m) overrides[$"{StatusMirrorOptions.Section}:ConnectionString"] = m;
            if (parse.GetValue(redis) is { } r) overrides[$"{RedisOptions.Section}:Configuration"] = r;
            builder.Configuration.AddInMemoryCollection(overrides);
            builder.Logging.SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Warning);

            if (string.IsNullOrWhiteSpace(builder.Configuration[$"{RedisOptions.Section}:Configuration"]))
            {
                throw new CliException("Reconciling reads the results in Redis, and no Redis is configured: pass --redis host:port or set TaskProcessor__Redis__Configuration.");
            }
            builder.AddRedisStores();
            builder.AddTaskEngine();
            if (!builder.AddAfirgenStatusMirror())
            {
                throw new CliException("No MySQL connection is configured, so there is no background_tasks table to reconcile: pass --mysql \"Server=…;Database=…;User ID=…;Password=…\" or set TaskProcessor__StatusMirror__ConnectionString.");
            }
            using var host = builder.Build();
            ReconcileReport report;
            try
            {
                var options = host.Services.GetRequiredService<IOptions<StatusMirrorOptions>>().Value;
                var span = parse.GetValue(window) is { } hours ? TimeSpan.FromHours(hours) : options.ReconcileWindow;
                report = await host.Services.GetRequiredService<StatusMirrorReconciler>().ReconcileAsync(span, cancellationToken);
            }
            catch (OptionsValidationException ex)
            {
                throw new CliException($"The configuration is invalid: {string.Join(" ", ex.Failures)}");
            }
            catch (MySqlConnector.MySqlException ex)
            {
                throw new CliException($"AFIRGen's database could not be read or written: {ex.Message}. Check the connection string and that the table exists.", 3);
            }
            catch (ResultStoreUnavailableException ex)
            {
                throw new CliException(ex.Message, 3);
            }

            Print(report, parse.GetValue(json));
            return 0;
        });
        return command;
    }

    /// <summary>What was examined and updated, as a sentence and a count per result state, or as one JSON object.</summary>
    private static void Print(ReconcileReport report, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { examined = report.Examined, updated = report.Updated, by_result_state = report.ByResultState }));
        }
        else
        {
            Console.WriteLine($"Examined {report.Examined} open rows; updated {report.Updated}.");
            foreach (var (state, count) in report.ByResultState.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                Console.WriteLine($"  {state,-8} {count}");
            }
        }
    }
}
