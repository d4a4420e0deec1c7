using System.Text.Json.Nodes;

namespace Afirgen.TaskProcessor.AfirgenTasks.Records;

/// <summary>A finalized FIR due for archival: its number and every column of its row, as JSON.</summary>
public sealed record ArchiveCandidate(string FirNumber, JsonObject Row);
