namespace Afirgen.TaskProcessor.Engine.Priority;

/// <summary>
/// How the <see cref="PriorityGate"/> serves the lanes of a queue (bands of priorities; on Service Bus, a queue each).
/// </summary>
/// <remarks>
/// The rule, per instance:
/// <list type="number">
/// <item><b>Reserved slots.</b> Beside the gate's shared slots, <see cref="ReservedSlots"/> more take only work of a
/// lane above a queue's lowest band; a lane message takes a free reserved slot before a shared one. So a high-lane
/// task starts as soon as it reaches the instance, however long the tasks in the shared slots run.</item>
/// <item><b>Strict preference.</b> A free shared slot goes to the highest priority waiting, so a higher lane goes
/// first whenever both hold work.</item>
/// <item><b>No starvation.</b> Once higher lanes of a queue have taken <see cref="HigherLaneStreak"/> shared slots
/// in a row while a lower lane of that queue waited, the next shared slot of that queue goes to the lower lanes'
/// best message. A lower lane with work thus gets at least one shared start in every
/// <see cref="HigherLaneStreak"/> + 1.</item>
/// </list>
/// </remarks>
/// <param name="LaneFloors">For each queue with lanes, the lowest priority of each lane above its lowest band, ascending.</param>
/// <param name="ReservedSlots">Slots beside the shared ones that only lane work takes.</param>
/// <param name="HigherLaneStreak">Shared slots higher lanes take in a row while a lower lane of the same queue waits.</param>
public sealed record LaneServing(IReadOnlyDictionary<string, int[]> LaneFloors, int ReservedSlots, int HigherLaneStreak)
{
    /// <summary>No lanes: the gate serves by priority alone, as before lanes.</summary>
    public static LaneServing None { get; } = new(new Dictionary<string, int[]>(), 0, int.MaxValue);

    /// <summary>The lane of a message of <paramref name="priority"/> on <paramref name="queue"/>: 0 for the lowest band, higher for higher lanes.</summary>
    public int LaneOf(string queue, int priority)
    {
        if (!LaneFloors.TryGetValue(queue, out var floors))
        {
            return 0;
        }
        var lane = 0;
        foreach (var floor in floors)
        {
            if (priority >= floor)
            {
                lane++;
            }
        }
        return lane;
    }
}
