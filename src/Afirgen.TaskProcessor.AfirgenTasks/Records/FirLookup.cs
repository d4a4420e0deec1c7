using Afirgen.TaskProcessor.Engine.Registry;

namespace Afirgen.TaskProcessor.AfirgenTasks.Records;

/// <summary>Reads a FIR a task was asked about; an unknown or blank id is a non-retried failure.</summary>
internal static class FirLookup
{
    public static async Task<FirRecord> RequireAsync(IFirStore store, string? firId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(firId))
        {
            throw new PermanentTaskException("fir_id is empty: pass the FIR's number (fir_records.fir_number).");
        }
        return await store.FindAsync(firId.Trim(), cancellationToken).ConfigureAwait(false)
            ?? throw new PermanentTaskException($"No FIR with number '{firId}' exists (fir_records.fir_number); check the id the task was given.");
    }
}
