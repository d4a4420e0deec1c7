using System.Text.Json.Nodes;
using Afirgen.TaskProcessor.Engine.Registry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Afirgen.TaskProcessor.RedisBroker.FaultWorker;

/// <summary>
/// <c>fleet.record</c>, the task of the fault suite and the mixed-fleet tests, and <c>fleet.square</c> and
/// <c>fleet.total</c>, a chord's header and body; <c>tools/celery/fleet_app.py</c> defines the same names for Celery's
/// workers. It waits <c>sleep_ms</c>, then records its completion in one
/// transaction: a run count per task id, the set of done ids, and who completed it when (<c>worker:pid:unix ms</c>),
/// so a check can tell a re-run forced by a killed worker from a duplicate.
/// </summary>
public static class FleetTasks
{
    public const string Record = "fleet.record";
    public const string Square = "fleet.square";
    public const string Total = "fleet.total";

    /// <summary>Registers the task; it writes to Redis database <c>Fleet:Database</c> (default 3) of the results' Redis under <c>Fleet:Prefix</c> (default <c>fleet:</c>).</summary>
    public static IServiceCollection AddFleetTasks(this IServiceCollection services, IConfiguration configuration)
    {
        var database = configuration.GetValue("Fleet:Database", 3);
        var prefix = configuration["Fleet:Prefix"] ?? "fleet:";
        services.AddSingleton(new FleetSettings(database, prefix));
        services.AddTask<FleetRecordTask>(Record, o =>
        {
            o.Parameters = [TaskParameter.Optional("sleep_ms", 0)];
            // A Redis outage fails the record; retry until it is back rather than record a failure.
            o.Retry = new RetryPolicy { MaxRetries = 20, InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(5) };
        });

        services.AddTask<FleetSquareTask>(Square, o => o.Parameters = [TaskParameter.RequiredParameter("x"), TaskParameter.Optional("fail", false)]);
        services.AddTask<FleetTotalTask>(Total, o => o.Parameters = [TaskParameter.RequiredParameter("values")]);

        // AFIRGen's task names as echoes, so Celery's six wire shapes have somewhere to run without AFIRGen's data:
        // in this test worker they replace the real tasks the local host registers under those names.
        foreach (var name in AfirgenEchoes)
        {
            var real = services.Where(d => d.ImplementationInstance is TaskDefinition t && t.Name == name).ToList();
            real.ForEach(d => services.Remove(d));
            services.AddTask(name, static context => ValueTask.FromResult<JsonNode?>(new JsonObject
            {
                ["args"] = context.Args.DeepClone(),
                ["kwargs"] = context.Kwargs.DeepClone(),
                ["retries"] = context.Retries,
                ["parent_id"] = context.ParentId,
            }));
        }
        return services;
    }

    /// <summary>Where the fleet's records go.</summary>
    public sealed record FleetSettings(int Database, string Prefix);

    /// <summary>The task itself (a handler class: delegate tasks get no services).</summary>
    public sealed class FleetRecordTask(IConnectionMultiplexer redis, FleetSettings settings) : ITaskHandler
    {
        private static readonly int Pid = Environment.ProcessId;

        public async ValueTask<JsonNode?> RunAsync(TaskContext context)
        {
            var sleep = context.Get<int>("sleep_ms");
            if (sleep > 0)
            {
                await Task.Delay(sleep, context.CancellationToken);
            }
            var prefix = settings.Prefix;
            var id = context.TaskId;
            var transaction = redis.GetDatabase(settings.Database).CreateTransaction();
            _ = transaction.HashIncrementAsync(prefix + "runs", id);
            _ = transaction.SetAddAsync(prefix + "done", id);
            _ = transaction.ListRightPushAsync($"{prefix}completed:{id}", $"dotnet:{Pid}:{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}");
            _ = transaction.ListRightPushAsync(prefix + "order", id);
            if (!await transaction.ExecuteAsync())
            {
                throw new InvalidOperationException("The fleet record transaction did not run.");
            }
            return new JsonObject { ["worker"] = "dotnet" };
        }
    }

    /// <summary>A chord's header task: x squared, recorded as run by us; fails (not retried) when asked to.</summary>
    public sealed class FleetSquareTask(IConnectionMultiplexer redis, FleetSettings settings) : ITaskHandler
    {
        public async ValueTask<JsonNode?> RunAsync(TaskContext context)
        {
            var x = context.Get<long>("x");
            await redis.GetDatabase(settings.Database).HashSetAsync(settings.Prefix + "squares", context.TaskId, "dotnet");
            if (context.Get<bool>("fail"))
            {
                throw new PermanentTaskException($"square of {x} refused");
            }
            return x * x;
        }
    }

    /// <summary>A chord's body: the sum of its header's results, counted per run (a body must run once).</summary>
    public sealed class FleetTotalTask(IConnectionMultiplexer redis, FleetSettings settings) : ITaskHandler
    {
        public async ValueTask<JsonNode?> RunAsync(TaskContext context)
        {
            var values = context.Get<long[]>("values") ?? [];
            var db = redis.GetDatabase(settings.Database);
            await db.HashIncrementAsync(settings.Prefix + "totals", context.TaskId);
            await db.HashSetAsync(settings.Prefix + "totaled", context.TaskId, "dotnet");
            return values.Sum();
        }
    }

    /// <summary>The task names of the wire samples (shared/celery-wire).</summary>
    public static readonly string[] AfirgenEchoes =
    [
        "afirgen_tasks.email.send_fir_confirmation", "afirgen_tasks.email.send_notification", "afirgen_tasks.reports.generate_pdf",
        "afirgen_tasks.analytics.update_dashboard", "afirgen_tasks.cleanup.clear_expired_cache",
    ];
}
