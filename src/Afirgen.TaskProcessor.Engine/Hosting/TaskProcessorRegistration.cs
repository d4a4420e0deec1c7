using Microsoft.Extensions.Hosting;

namespace Afirgen.TaskProcessor.Engine.Hosting;

/// <summary>The one entry point a host composes the task processor with.</summary>
public static class TaskProcessorRegistration
{
    /// <summary>
    /// Adds the task processor with the parts <paramref name="configure"/> chooses: exactly one broker, the stores,
    /// the tasks, telemetry. For example
    /// <c>builder.AddTaskProcessor(p =&gt; p.UseServiceBus().UseRedisResults().AddAfirgenTasks())</c>. Options are
    /// bound from <c>TaskProcessor:*</c> and checked at start-up.
    /// </summary>
    /// <exception cref="InvalidOperationException">No broker, or more than one, was chosen.</exception>
    public static TaskProcessorBuilder AddTaskProcessor(this IHostApplicationBuilder builder, Action<TaskProcessorBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var processor = new TaskProcessorBuilder(builder);
        configure(processor);
        processor.Build();
        return processor;
    }
}
