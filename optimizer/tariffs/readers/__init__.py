"""Readers for the price files users have, each turning its format into prices in currency/kWh.

=================  ======================================================  ==============================
format             what                                                    module
=================  ======================================================  ==============================
``octopus-json``   Octopus API unit rates, one or more pages               :mod:`.octopus_json`
``agile-csv``      the Octopus Agile CSV download (UK clock time)          :mod:`.agile_csv`
``entsoe-csv``     the ENTSO-E day-ahead export (CET/CEST intervals)       :mod:`.entsoe`
``plain-csv``      ``time,price`` at any fixed step                        :mod:`.plain_csv`
``urdb-json``      an OpenEI URDB rate record (becomes a banded tariff)    :mod:`.urdb`
=================  ======================================================  ==============================
"""

from optimizer.tariffs.readers.common import PriceFile

__all__ = ["PriceFile"]
