using Afirgen.TaskProcessor.AfirgenTasks.Analytics;
using Afirgen.TaskProcessor.AfirgenTasks.Cache;
using Afirgen.TaskProcessor.AfirgenTasks.Cleanup;
using Afirgen.TaskProcessor.AfirgenTasks.Demo;
using Afirgen.TaskProcessor.AfirgenTasks.Email;
using Afirgen.TaskProcessor.AfirgenTasks.Queues;
using Afirgen.TaskProcessor.AfirgenTasks.Records;
using Afirgen.TaskProcessor.AfirgenTasks.Reports;
using Afirgen.TaskProcessor.AfirgenTasks.Storage;
using Afirgen.TaskProcessor.Engine.Hosting;
using Afirgen.TaskProcessor.Engine.Registry;
using Afirgen.TaskProcessor.Engine.Routing;
using Afirgen.TaskProcessor.Engine.Scheduling;
using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Afirgen.TaskProcessor.AfirgenTasks;

/// <summary>Registers AFIRGen's tasks and what they need; both hosts (local and Functions) choose <see cref="AddAfirgenTasks(TaskProcessorBuilder)"/>.</summary>
public static class AfirgenTasksRegistration
{
    /// <summary>E-mail: from 1 s doubling to at most 600 s, ±20 % jitter, 3 retries, only for transient faults (AFIRGen's email policy).</summary>
    public static RetryPolicy EmailRetry { get; } = new()
    {
        MaxRetries = 3, InitialDelay = TimeSpan.FromSeconds(1), Multiplier = 2, MaxDelay = TimeSpan.FromSeconds(600), JitterRatio = 0.2,
        ShouldRetry = MailFailures.IsTransient,
    };

    /// <summary>Reports, analytics and cleanup: 3 retries, 60 s first delay with back-off and jitter (AFIRGen's policy for them).</summary>
    public static RetryPolicy WorkRetry { get; } = new()
    {
        MaxRetries = 3, InitialDelay = TimeSpan.FromSeconds(60), Multiplier = 2, MaxDelay = TimeSpan.FromSeconds(600), JitterRatio = 0.2,
    };

    /// <summary>
    /// Adds the ten task names and their back-ends, from <c>Afirgen:Database</c>, <c>Afirgen:Smtp</c>,
    /// <c>Afirgen:Storage</c>, <c>Afirgen:Cache</c>, <c>Afirgen:Reports</c> and <c>Afirgen:Demo</c>. A back-end left unconfigured
    /// stops the host at start-up with a sentence naming the key, unless <c>Afirgen:Demo:Enabled</c> is true
    /// (the local host's appsettings), in which case a clearly logged stand-in is used for it.
    /// </summary>
    public static IHostApplicationBuilder AddAfirgenTasks(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        var demo = configuration.GetSection(DemoOptions.Section).Get<DemoOptions>() ?? new DemoOptions();

        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.Section);
        services.AddValidatedOptions<CacheOptions, CacheOptionsValidator>(CacheOptions.Section);

        var useDemoDatabase = demo.Enabled && string.IsNullOrWhiteSpace(configuration[DatabaseOptions.Section + ":ConnectionString"]);
        services.AddValidatedOptions(DatabaseOptions.Section, new DatabaseOptionsValidator(useDemoDatabase));

        var useDemoMail = demo.Enabled && string.IsNullOrWhiteSpace(configuration[SmtpOptions.Section + ":Host"]);
        services.AddValidatedOptions(SmtpOptions.Section, new SmtpOptionsValidator(useDemoMail));

        var useDemoStorage = demo.Enabled
            && string.IsNullOrWhiteSpace(configuration[StorageOptions.Section + ":ConnectionString"])
            && string.IsNullOrWhiteSpace(configuration[StorageOptions.Section + ":ServiceUri"]);
        services.AddValidatedOptions(StorageOptions.Section, new StorageOptionsValidator(useDemoStorage));

        services.AddValidatedOptions<ReportOptions, ReportOptionsValidator>(ReportOptions.Section);
        services.TryAddSingleton(sp => StationTime.Create(sp.GetRequiredService<IOptions<ReportOptions>>().Value));

        AddBackends(services, useDemoDatabase, useDemoMail, useDemoStorage, demo.FullOutputDirectory);

        services.TryAddSingleton<AfirgenCache>();
        services.TryAddSingleton<MailDelivery>();
        AddTasks(services);
        services.AddAfirgenDefaults();
        return builder;
    }

    /// <summary>
    /// Gives the engine AFIRGen's configuration as its defaults: the queues, routes and priorities of
    /// <see cref="AfirgenRouting"/> and the schedule of <see cref="CleanupSchedule"/>. <see cref="AddAfirgenTasks(IHostApplicationBuilder)"/>
    /// calls this; a host or test that wants AFIRGen's queues without its tasks calls it alone.
    /// </summary>
    public static IServiceCollection AddAfirgenDefaults(this IServiceCollection services)
    {
        services.AddOptionsDefaults<RoutingOptions>(AfirgenRouting.ApplyTo);
        services.AddOptionsDefaults<ScheduleOptions>(CleanupSchedule.ApplyTo);
        return services;
    }

    /// <summary>AFIRGen's tasks and back-ends (<see cref="AddAfirgenTasks(IHostApplicationBuilder)"/>), with its queues, routes and schedule as the defaults.</summary>
    public static TaskProcessorBuilder AddAfirgenTasks(this TaskProcessorBuilder processor)
    {
        ArgumentNullException.ThrowIfNull(processor);
        return processor.Add(TaskProcessorStage.Application, p => p.Host.AddAfirgenTasks());
    }

    /// <summary>
    /// AFIRGen's back-ends (database, mail, blob storage): the real ones unless demo mode stands in for an unconfigured
    /// one, writing under <paramref name="output"/>.
    /// </summary>
    private static void AddBackends(IServiceCollection services, bool useDemoDatabase, bool useDemoMail, bool useDemoStorage, string output)
    {
        if (useDemoDatabase)
        {
            services.TryAddSingleton<DemoFirStore>();
            services.TryAddSingleton<IFirStore>(sp => sp.GetRequiredService<DemoFirStore>());
            services.TryAddSingleton<IArchiveLedger>(sp => sp.GetRequiredService<DemoFirStore>());
            services.TryAddSingleton<ISentMailLedger>(sp => sp.GetRequiredService<DemoFirStore>());
        }
        else
        {
            services.TryAddSingleton<MySqlDatabase>();
            services.TryAddSingleton<IFirStore, MySqlFirStore>();
            services.TryAddSingleton<IArchiveLedger, MySqlArchiveLedger>();
            services.TryAddSingleton<ISentMailLedger, MySqlSentMailLedger>();
        }

        if (useDemoMail)
        {
            services.TryAddSingleton<IMailTransport>(new PickupFolderMailTransport(Path.Combine(output, "mail")));
        }
        else
        {
            services.TryAddSingleton<IMailTransport, SmtpMailTransport>();
        }

        if (useDemoStorage)
        {
            services.TryAddSingleton<IBlobStore>(new FolderBlobStore(Path.Combine(output, "blobs")));
        }
        else
        {
            services.TryAddSingleton<IBlobStore>(sp => new AzureBlobStore(CreateBlobServiceClient(sp.GetRequiredService<IOptions<StorageOptions>>().Value)));
        }

        if (useDemoDatabase || useDemoMail || useDemoStorage)
        {
            services.AddSingleton(new DemoBackends(useDemoDatabase, useDemoMail ? Path.Combine(output, "mail") : null, useDemoStorage ? Path.Combine(output, "blobs") : null));
            services.AddHostedService<DemoNotice>();
        }
    }

    // Over 60 lines: one table, a row per task name (its handler, parameters and retry policy); split, it would read worse.
    private static void AddTasks(IServiceCollection services)
    {
        services.AddTask<SendFirConfirmationTask>(AfirgenTaskNames.SendFirConfirmation, o =>
        {
            o.Description = "Sends the complainant a confirmation mail (text + HTML) for a FIR.";
            o.Parameters = [TaskParameter.RequiredParameter("fir_id"), TaskParameter.RequiredParameter("recipient_email")];
            o.Retry = EmailRetry;
        });
        services.AddTask<SendFirConfirmationTask>(AfirgenTaskNames.SendConfirmation, o =>
        {
            o.Description = "send_fir_confirmation with the recipient taken from the FIR's data (the seed's name).";
            o.Parameters = [TaskParameter.RequiredParameter("fir_id")];
            o.Retry = EmailRetry;
        });
        services.AddTask<SendNotificationTask>(AfirgenTaskNames.SendNotification, o =>
        {
            o.Description = "Sends a generic notification mail.";
            o.Parameters =
            [
                TaskParameter.RequiredParameter("recipient_email"), TaskParameter.RequiredParameter("subject"),
                TaskParameter.RequiredParameter("body"), TaskParameter.Optional("priority", 3),
            ];
            o.Retry = EmailRetry;
        });
        services.AddTask<GeneratePdfTask>(AfirgenTaskNames.GeneratePdf, o =>
        {
            o.Description = "Renders a FIR as a PDF in the reports container.";
            o.Parameters = [TaskParameter.RequiredParameter("fir_id"), TaskParameter.Optional("report_type", "standard")];
            o.Retry = WorkRetry;
        });
        services.AddTask<GenerateExcelTask>(AfirgenTaskNames.GenerateExcel, o =>
        {
            o.Description = "Writes one workbook with a row per FIR to the reports container (temporary).";
            o.Parameters = [TaskParameter.RequiredParameter("fir_ids"), TaskParameter.Optional("report_name", "fir_report")];
            o.Retry = WorkRetry;
        });
        services.AddTask<UpdateDashboardTask>(AfirgenTaskNames.UpdateDashboard, o =>
        {
            o.Description = "Writes FIR counts (total, pending, completed, by status and period) to the dashboard snapshot in Redis.";
            o.Parameters = [];
            o.Retry = WorkRetry;
        });
        services.AddTask<ProcessDataTask>(AfirgenTaskNames.ProcessData, o =>
        {
            o.Description = "Writes per-day FIR counts over a date range to Redis.";
            o.Parameters = [TaskParameter.RequiredParameter("data_type"), TaskParameter.RequiredParameter("date_range")];
            o.Retry = WorkRetry;
        });
        services.AddTask<ArchiveOldRecordsTask>(AfirgenTaskNames.ArchiveOldRecords, o =>
        {
            o.Description = "Copies old finalized FIRs to a checksummed archive blob, then records them as archived.";
            o.Parameters = [TaskParameter.Optional("days_old", 365)];
            o.Retry = WorkRetry;
        });
        services.AddTask<ClearExpiredCacheTask>(AfirgenTaskNames.ClearExpiredCache, o =>
        {
            o.Description = "Removes cache entries left without an expiry under AFIRGen's namespaces.";
            o.Parameters = [];
            o.Retry = WorkRetry;
        });
        services.AddTask<CleanupTempFilesTask>(AfirgenTaskNames.CleanupTempFiles, o =>
        {
            o.Description = "Deletes temporary report blobs older than max_age_hours.";
            o.Parameters = [TaskParameter.Optional("max_age_hours", 24)];
            o.Retry = WorkRetry;
        });
    }

    private static BlobServiceClient CreateBlobServiceClient(StorageOptions options)
    {
        // Few, quick SDK retries: the task's own retry policy (minutes apart) handles longer outages.
        var clientOptions = new BlobClientOptions();
        clientOptions.Retry.MaxRetries = 2;
        clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(500);
        clientOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(60);
        return !string.IsNullOrWhiteSpace(options.ConnectionString)
            ? new BlobServiceClient(options.ConnectionString, clientOptions)
            : new BlobServiceClient(options.ServiceUri!, new DefaultAzureCredential(), clientOptions);
    }
}
