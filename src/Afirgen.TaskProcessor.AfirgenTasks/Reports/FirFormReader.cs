using System.Globalization;
using Afirgen.TaskProcessor.AfirgenTasks.Records;

namespace Afirgen.TaskProcessor.AfirgenTasks.Reports;

/// <summary>
/// Fills a <see cref="FirForm"/> from a FIR's record: each field from the first of its likely key spellings
/// that <c>fir_content</c> holds (AFIRGen's own keys and template labels first, then the usual alternatives),
/// the FIR number from its column, the complaint text as the first information, and the record's
/// <c>created_at</c> (in the station's zone) where fir_content gives no FIR date or time of receipt.
/// </summary>
public static class FirFormReader
{
    // Over 60 lines: one table, each field of the form beside the key spellings it is read from; split, a reader
    // would have to look in several places for where a field comes from.
    public static FirForm Read(FirRecord fir, StationTime time)
    {
        var c = FirContentFields.Parse(fir.FirContent);

        var firDate = Date(c.Find("fir_date", "date_of_fir", "date", "date_of_report", "registration_date", "date_of_registration", "registered_on"))
            ?? time.Date(fir.CreatedAt);
        var year = c.Find("year", "fir_year") ?? YearOf(firDate) ?? time.Local(fir.CreatedAt).Year.ToString(CultureInfo.InvariantCulture);

        var received = c.Find("information_received", "information_recieved", "info_received", "information_received_at", "received_at", "date_time_of_information");
        var (receivedDate, receivedTime) = SplitDateAndTime(received);
        receivedDate = Date(c.Find("information_received_date", "date_of_information", "received_date")) ?? receivedDate;
        receivedTime = c.Find("information_received_time", "time_of_information", "received_time") ?? receivedTime;
        if (received is null && receivedDate is null)
        {
            // AFIRGen recorded the information when it created the record.
            receivedDate = time.Date(fir.CreatedAt);
            receivedTime ??= time.Time(fir.CreatedAt);
        }

        var dateFrom = c.Find("date_from", "occurrence_date_from", "occurrence_date", "date_of_occurrence", "incident_date", "date_of_incident", "date_of_offence", "offence_date");
        var dateTo = c.Find("date_to", "occurrence_date_to");
        var day = c.Find("day", "occurrence_day", "day_of_occurrence", "incident_day")
            ?? (FirContentDates.Parse(dateFrom) is { } from && (dateTo is null || FirContentDates.Parse(dateTo) == from) ? from.DayOfWeek.ToString() : null);

        var direction = c.Find("direction_and_distance_from_ps", "direction_and_distance", "distance_and_direction", "distance_direction", "direction_distance",
            "distance_and_direction_from_ps");
        if (direction is null)
        {
            string?[] parts = [c.Find("distance", "distance_from_ps", "distance_from_police_station", "distance_from_station"), c.Find("direction", "direction_from_ps", "direction_from_police_station")];
            direction = parts.Any(p => p is not null) ? string.Join(", ", parts.Where(p => p is not null)) : null;
        }
        // The number is the column's; fir_content's copy is not a further particular.
        c.Find("fir_number", "fir_no");

        var form = new FirForm
        {
            FirNumber = fir.FirNumber,
            District = c.Find("district", "district_name", "police_station_district", "ps_district", "station_district"),
            PoliceStation = c.Find("police_station", "police_station_name", "ps", "ps_name", "station", "station_name", "thana"),
            State = c.Find("state", "state_name", "police_station_state", "station_state"),
            Year = year,
            FirDate = firDate,

            Acts = c.Find("acts", "act", "acts_and_sections", "applicable_acts", "legal_provisions", "laws", "law"),
            Sections = c.Find("sections", "section", "applicable_sections", "ipc_sections", "bns_sections", "sections_of_law", "offence_sections"),

            OccurrenceDay = day,
            OccurrenceDateFrom = Date(dateFrom),
            OccurrenceDateTo = Date(dateTo),
            OccurrenceTimePeriod = c.Find("time_period", "occurrence_time_period", "period_of_occurrence"),
            OccurrenceTimeFrom = c.Find("time_from", "occurrence_time_from", "occurrence_time", "time_of_occurrence", "incident_time", "time_of_incident", "time_of_offence"),
            OccurrenceTimeTo = c.Find("time_to", "occurrence_time_to"),
            InformationReceivedDate = receivedDate,
            InformationReceivedTime = receivedTime,
            GeneralDiaryEntry = c.Find("general_diary_entry", "general_diary_entry_no", "gd_entry_no", "gd_entry", "gd_no", "gd_number", "general_diary_reference", "gd_reference"),
            GeneralDiaryTime = c.Find("general_diary_time", "gd_time", "gd_entry_time"),

            TypeOfInformation = c.Find("type_of_information", "information_type", "mode_of_information"),

            DirectionAndDistance = direction,
            BeatNumber = c.Find("beat_no", "beat_number", "beat"),
            Place = c.Find("place_of_occurrence", "occurrence_place", "place", "place_of_incident", "incident_place", "location", "incident_location", "occurrence_location", "location_of_incident"),
            PlaceAddress = c.Find("address_of_occurrence", "occurrence_address", "incident_address", "address_of_incident", "place_address", "location_address"),

            ComplainantName = c.Find("complainant_name", "informant_name", "complainant_full_name", "complainant", "informant", "full_name", "name"),
            FatherOrHusbandName = c.Find("father_name/husband_name", "fathers_husbands_name", "father_or_husband_name", "father_husband_name", "complainant_father_name",
                "complainant_fathers_husbands_name", "complainant_father_or_husband_name", "father_name", "fathers_name", "husband_name", "husbands_name", "guardian_name"),
            DateOfBirth = c.Find("dateofbirth", "date_of_birth", "complainant_date_of_birth", "dob", "complainant_dob", "year_of_birth", "birth_year", "age", "complainant_age"),
            Nationality = c.Find("nationality", "complainant_nationality"),
            PassportNumber = c.Find("passport_number", "passport_no", "complainant_passport_number", "passport"),
            Occupation = c.Find("occupation", "complainant_occupation"),
            ComplainantAddress = c.Find("complainant_address", "informant_address", "complete_address", "complainant_complete_address", "address"),
            ComplainantPhone = c.Find("complainant_contact", "complainant_phone", "complainant_phone_number", "complainant_mobile", "informant_phone", "informant_mobile", "informant_contact", "phone", "phone_number",
                "mobile", "mobile_number", "contact_number", "contact"),

            Accused = c.Find("accused", "accused_details", "details_of_accused", "accused_persons", "accused_name", "suspect_details", "suspects", "suspect", "suspect_name"),
            DelayReasons = c.Find("reasons_for_delayed_reporting", "reason_for_delayed_reporting", "reasons_for_delay", "reason_for_delay", "delay_reason", "delay_in_reporting"),
            Properties = c.Find("properties_stolen", "property_stolen", "stolen_property", "stolen_properties", "properties_involved", "property_involved", "properties", "property",
                "property_details", "particulars_of_properties", "stolen_items", "items_stolen"),
            PropertiesValue = c.Find("total_value", "total_value_of_properties", "total_value_of_property", "property_value", "value_of_property", "value_of_properties", "stolen_value"),
            InquestReport = c.Find("inquest_report", "ud_case_no", "ud_case_number", "inquest_report_ud_case_no"),

            // The complainant's words as AFIRGen recorded them (complaint_text) are the first information;
            // a description in fir_content stands in only when that column is empty.
            FirstInformation = !string.IsNullOrWhiteSpace(fir.ComplaintText) ? fir.ComplaintText.Trim()
                : c.Find("first_information", "first_information_contents", "fir_contents", "incident_description", "detailed_description", "description", "narrative", "fir_narrative", "complaint"),

            ActionTaken = c.Find("action_taken", "action"),
            InvestigatingOfficerName = c.Find("io_name", "investigating_officer_name", "investigating_officer", "io"),
            InvestigatingOfficerRank = c.Find("io_rank", "investigating_officer_rank"),
            InvestigatingOfficerNumber = c.Find("io_number", "io_no", "investigating_officer_number", "investigating_officer_no", "io_belt_no", "io_badge_number"),
            OfficerInChargeName = c.Find("officer_in_charge_name", "officer_in_charge", "oic_name", "oic", "sho_name", "sho", "station_house_officer"),
            OfficerInChargeRank = c.Find("officer_in_charge_rank", "oic_rank", "sho_rank"),
            OfficerInChargeNumber = c.Find("officer_in_charge_number", "officer_in_charge_no", "oic_number", "oic_no", "sho_number", "sho_no"),

            DespatchToCourt = c.Find("date_and_time_of_despatch_to_court", "despatch_to_court", "date_of_despatch", "despatch_date", "date_of_dispatch", "dispatch_date"),

            FurtherParticulars = c.Unused().ToList(),
            UnlabelledContent = c.Prose,
        };
        return WithOfficerSplit(form);
    }

    // AFIRGen's template writes "Investigating Officer: Inspector Rajesh Kumar (Inspector)": name and rank in one.
    private static FirForm WithOfficerSplit(FirForm form)
    {
        if (form.InvestigatingOfficerRank is null && form.InvestigatingOfficerName is { } name && name.EndsWith(')') && name.LastIndexOf(" (", StringComparison.Ordinal) is > 0 and var open)
        {
            return form with { InvestigatingOfficerName = name[..open].Trim(), InvestigatingOfficerRank = name[(open + 2)..^1].Trim() };
        }
        return form;
    }

    /// <summary>A date AFIRGen or a form wrote, day first (dd/MM/yyyy) when it can be read unambiguously; otherwise as written.</summary>
    private static string? Date(string? text) =>
        FirContentDates.Parse(text) is { } d ? d.ToString("dd/MM/yyyy", CultureInfo.InvariantCulture) : text;

    private static string? YearOf(string date) =>
        date.Length >= 4 && date[^4..].All(char.IsAsciiDigit) ? date[^4..] : null;

    /// <summary>"05 March 2026 at 14:03:11" (AFIRGen's) or "2026-03-05T14:03" → date and time; anything else is kept whole as the date.</summary>
    private static (string? Date, string? Time) SplitDateAndTime(string? text)
    {
        if (text is null) return (null, null);
        var at = text.IndexOf(" at ", StringComparison.OrdinalIgnoreCase);
        var t = text.IndexOf('T');
        var (datePart, timePart) = at > 0 ? (text[..at], text[(at + 4)..]) : t == 10 ? (text[..10], text[11..]) : (text, null);
        if (FirContentDates.Parse(datePart) is not { } date) return (text, null);
        var time = timePart is not null && TimeOnly.TryParse(timePart.Trim().TrimEnd('Z'), CultureInfo.InvariantCulture, out var tt) ? tt.ToString("HH:mm", CultureInfo.InvariantCulture) : timePart?.Trim();
        return (date.ToString("dd/MM/yyyy", CultureInfo.InvariantCulture), time);
    }
}
