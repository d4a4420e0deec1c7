using System.Text.Json.Nodes;
using System.Threading.Channels;
using Afirgen.TaskProcessor.Engine.Results;
using Afirgen.TaskProcessor.Engine.Running;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.StatusMirror;

/// <summary>
/// Hears each task's life from the runner and queues the matching <c>background_tasks</c> update. It never
/// waits and never throws into the task: updates go to a bounded in-memory queue that
/// <see cref="StatusMirrorWriter"/> drains in batches; when the queue is full the update is dropped,
/// counted and logged, and reconciling repairs the row later.
/// </summary>
public sealed partial class StatusMirror : ITaskObserver
{
    private readonly Channel<MirrorUpdate> _updates;
    private readonly StatusMirrorMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _lastDropLog;

    public StatusMirror(IOptions<StatusMirrorOptions> options, StatusMirrorMetrics metrics, TimeProvider time, ILogger<StatusMirror> logger)
    {
        _updates = Channel.CreateBounded<MirrorUpdate>(new BoundedChannelOptions(Math.Max(1, options.Value.Capacity))
        {
            FullMode = BoundedChannelFullMode.Wait, // with TryWrite: refuse the new update rather than block
            SingleReader = true,
        });
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    internal ChannelReader<MirrorUpdate> Updates => _updates.Reader;

    /// <summary>How many updates wait to be written.</summary>
    public int Pending => _updates.Reader.Count;

    public void OnStarted(TaskEvent task) =>
        Enqueue(new MirrorUpdate(MirrorTransition.Running, task.TaskId, _time.GetUtcNow(), RetryCount: task.Retries));

    public void OnSucceeded(TaskEvent task, JsonNode? result) =>
        Enqueue(new MirrorUpdate(MirrorTransition.Completed, task.TaskId, _time.GetUtcNow(), ResultJson: PythonText.ResultColumn(result)));

    public void OnRetryScheduled(TaskEvent task, int retryNumber, string errorText, DateTimeOffset eta) =>
        Enqueue(new MirrorUpdate(MirrorTransition.RetryScheduled, task.TaskId, _time.GetUtcNow(), RetryCount: retryNumber,
            ErrorMessage: $"Retry {retryNumber}: {PythonText.ErrorMessage(errorText)}"));

    public void OnFailed(TaskEvent task, string reason, string errorText) =>
        Enqueue(new MirrorUpdate(MirrorTransition.Failed, task.TaskId, _time.GetUtcNow(),
            ErrorMessage: $"Failed after {task.Retries} retries: {PythonText.ErrorMessage(errorText)}"));

    public void OnRevoked(TaskEvent task, string reason) =>
        Enqueue(new MirrorUpdate(MirrorTransition.Cancelled, task.TaskId, _time.GetUtcNow()));

    public void OnRevokeRequested(string taskId, string? previousState, bool terminate)
    {
        // A running task is cancelled by its runner when it stops (terminate) or not at all; a finished
        // one keeps its outcome. Anything else will never run: cancelled now.
        if (previousState is null || !(previousState == TaskStates.Started || TaskStates.IsTerminal(previousState)))
        {
            Enqueue(new MirrorUpdate(MirrorTransition.Cancelled, taskId, _time.GetUtcNow()));
        }
    }

    internal void Enqueue(MirrorUpdate update)
    {
        if (_updates.Writer.TryWrite(update))
        {
            return;
        }
        _metrics.AddDropped();
        // At most one log line a second, however many are dropped.
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastDropLog);
        if (now - last >= 1000 && Interlocked.CompareExchange(ref _lastDropLog, now, last) == last)
        {
            LogDropped(_logger, _metrics.Dropped);
        }
    }

    internal void Complete() => _updates.Writer.TryComplete();

    [LoggerMessage(1500, LogLevel.Warning, "The status mirror's queue is full (the database is slow or down): updates are being dropped ({Dropped} so far); the rows are repaired by reconciling")]
    private static partial void LogDropped(ILogger logger, long dropped);
}
