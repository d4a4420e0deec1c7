using Afirgen.TaskProcessor.AfirgenTasks;
using Afirgen.TaskProcessor.AfirgenTasks.Queues;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Engine.Routing;
using Afirgen.TaskProcessor.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.Engine.Tests.Routing;

public sealed class TaskRouterTests
{
    private static TaskRouter Router(RoutingOptions? options = null) => new(Options.Create(options ?? AfirgenRouting.CreateOptions()));

    private static ServiceProvider Configured(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddTaskProcessor(p => p.UseInMemoryBroker());
        builder.Services.AddAfirgenDefaults();
        return builder.Services.BuildServiceProvider();
    }

    [Theory]
    [InlineData("afirgen_tasks.email.send_fir_confirmation", "email", 3)]
    [InlineData("afirgen_tasks.reports.generate_pdf", "reports", 5)]
    [InlineData("afirgen_tasks.analytics.update_dashboard", "analytics", 2)]
    [InlineData("afirgen_tasks.cleanup.archive_old_records", "cleanup", 1)]
    [InlineData("afirgen_tasks.unrouted.ping", "default", 5)]
    [InlineData("diagnostics.echo", "default", 5)]
    [InlineData("afirgen_tasks.emailer.x", "default", 5)]
    public void Route_FollowsTheSeedsRoutes(string task, string queue, int priority)
    {
        var route = Router().Route(task);
        Assert.Equal(queue, route.Queue);
        Assert.Equal(priority, route.DefaultPriority);
    }

    [Fact]
    public void Route_TriesPatternsInOrder_FirstMatchWins()
    {
        var options = AfirgenRouting.CreateOptions();
        options.Routes =
        [
            new() { Pattern = "afirgen_tasks.email.send_?ir_*", Queue = "reports", Priority = 9 },
            new() { Pattern = "afirgen_tasks.email.*", Queue = "email" },
        ];
        var router = Router(options);
        Assert.Equal(new TaskRoute("reports", 9), router.Route("afirgen_tasks.email.send_fir_confirmation"));
        Assert.Equal(new TaskRoute("email", 3), router.Route("afirgen_tasks.email.send_notification"));
    }

    [Theory]
    [InlineData("tasks.[abc]*", "tasks.alpha", true)]
    [InlineData("tasks.[abc]*", "tasks.delta", false)]
    [InlineData("tasks.[!abc]*", "tasks.delta", true)]
    [InlineData("tasks.a.b", "tasks_a_b", false)]
    [InlineData("tasks.?", "tasks.x", true)]
    [InlineData("tasks.?", "tasks.xy", false)]
    public void Route_MatchesLikePythonsFnmatch(string pattern, string name, bool matches)
    {
        var options = AfirgenRouting.CreateOptions();
        options.Routes = [new() { Pattern = pattern, Queue = "email" }];
        var router = Router(options);
        Assert.Equal(matches ? "email" : "default", router.Route(name).Queue);
    }

    [Fact]
    public void Configuration_OverridesOneQueueAndKeepsTheOthers()
    {
        var sp = Configured(new()
        {
            ["TaskProcessor:Routing:Queues:email:DefaultPriority"] = "7",
            ["TaskProcessor:Routing:Queues:bulk:DefaultPriority"] = "1",
            ["TaskProcessor:Routing:Routes:0:Pattern"] = "bulk.*",
            ["TaskProcessor:Routing:Routes:0:Queue"] = "bulk",
        });
        var router = sp.GetRequiredService<TaskRouter>();
        Assert.Equal(7, router.DefaultPriorityOf("email"));
        Assert.Equal(2, router.DefaultPriorityOf("analytics"));
        Assert.Equal(new TaskRoute("bulk", 1), router.Route("bulk.import"));
        // Configured routes replace the seed's routes entirely, as Celery's task_routes does.
        Assert.Equal("default", router.Route("afirgen_tasks.email.x").Queue);
    }

    [Fact]
    public void Validation_RejectsARouteToAnUnknownQueue_WithASentence()
    {
        var sp = Configured(new()
        {
            ["TaskProcessor:Routing:Routes:0:Pattern"] = "x.*",
            ["TaskProcessor:Routing:Routes:0:Queue"] = "nowhere",
        });
        var ex = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<RoutingOptions>>().Value);
        Assert.Contains("The route 'x.*' sends tasks to queue 'nowhere', which is not configured", ex.Message);
    }

    [Fact]
    public void Validation_RejectsADefaultPriorityOutsideOneToTen()
    {
        var sp = Configured(new() { ["TaskProcessor:Routing:Queues:email:DefaultPriority"] = "11" });
        var ex = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<RoutingOptions>>().Value);
        Assert.Contains("Queue 'email' has default priority 11", ex.Message);
    }
}
