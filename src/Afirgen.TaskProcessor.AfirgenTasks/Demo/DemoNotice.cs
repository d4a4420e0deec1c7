using Afirgen.TaskProcessor.AfirgenTasks.Records;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Afirgen.TaskProcessor.AfirgenTasks.Demo;

/// <summary>Says at start-up which stand-ins the demo mode put in place and where their output goes.</summary>
internal sealed class DemoNotice(DemoBackends backends, TimeProvider time, ILogger<DemoNotice> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (backends.Database)
        {
            var firs = SampleFirs.Create(time.GetUtcNow());
            DemoLog.DemoDatabase(logger, firs.Count, firs[0].FirNumber, firs[^1].FirNumber);
        }
        if (backends.MailFolder is { } mail) DemoLog.DemoMail(logger, mail);
        if (backends.BlobFolder is { } blobs) DemoLog.DemoStorage(logger, blobs);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Which stand-ins are in use (null/false: the real one).</summary>
internal sealed record DemoBackends(bool Database, string? MailFolder, string? BlobFolder);
