"""What cbp.gov and ohss.dhs.gov share: the month a file was posted, from Drupal's upload folder."""

from datetime import date

from orchestration.connectors import drupal


def test_the_upload_folder_dates_a_file_the_server_does_not_date():
    """Drupal's upload folders (cbp.gov, ohss.dhs.gov), old and new layouts; no folder, no date."""
    assert drupal.upload_month(
        "https://www.cbp.gov/sites/default/files/assets/documents/2023-Nov/nationwide-encounters-fy20-fy23-aor.csv"
    ) == date(2023, 11, 1)
    assert drupal.upload_month("https://www.cbp.gov/sites/default/files/2024-10/sbo-encounters-fy21-fy24.csv") == date(
        2024, 10, 1)
    assert drupal.upload_month("https://ohss.dhs.gov/sites/default/files/2024-13/x.xlsx") is None
    assert drupal.upload_month("file:///tmp/nationwide-encounters-fy20-fy23-state.csv") is None
    assert drupal.upload_month("https://www.cbp.gov/sites/default/files/assets/documents/2023-Abc/x.csv") is None
